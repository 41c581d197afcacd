//! The streaming JSON UI.
