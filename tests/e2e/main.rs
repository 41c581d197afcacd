//! End-to-end tests: run the real `batchform` binary in temporary directories and check what
//! a user sees (exit code, stdout, stderr), with the expectations taken from Terraform 1.11
//! where the behaviour is Terraform's.

mod harness;

mod commands;
mod configs;
mod console;
mod drift;
mod examples;
mod input;
mod kill;
mod parity;
mod pipes;
mod validate;
mod version;
