//! x-sandbox: a local X API v2 server (being written).
