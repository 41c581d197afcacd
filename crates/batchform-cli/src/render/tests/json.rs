//! `show -json PLANFILE`.
