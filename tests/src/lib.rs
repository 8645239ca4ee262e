//! End-to-end test harness: runs the built `xtask` binary against real services.
