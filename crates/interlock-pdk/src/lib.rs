//! PDK (stub).
