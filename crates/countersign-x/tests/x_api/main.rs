//! countersign-x against x-sandbox over real HTTP on loopback: no mocks. Every test starts its
//! own sandbox on a free port, so tests run in parallel without sharing state.

mod conversations;
mod limits;
mod media;
mod oauth;
mod posting;
mod support;
