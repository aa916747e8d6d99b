//! Plugin host (stub).
