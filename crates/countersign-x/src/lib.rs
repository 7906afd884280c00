//! countersign-x: the X API v2 client (being written).
