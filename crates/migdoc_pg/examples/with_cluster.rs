//! Runs a command next to a throwaway PostgreSQL (the same cluster `migdoc verify` and the live
//! tests use), then stops it:
//!
//! ```shell
//! cargo run -q -p migdoc_pg --example with_cluster -- python3 tests/oracle/record_models.py
//! ```
//!
//! The command finds the server through libpq's variables: `PGHOST` (the socket directory),
//! `PGPORT` and `PGUSER` (`postgres`, trusted).

#![allow(clippy::print_stderr)]

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: with_cluster COMMAND [ARG]...");
        return ExitCode::from(2);
    };
    let cluster =
        match migdoc_pg::find_binaries(None).and_then(|bins| migdoc_pg::Cluster::start(&bins)) {
            Ok(cluster) => cluster,
            Err(e) => {
                eprintln!("with_cluster: {e}");
                return ExitCode::from(2);
            }
        };
    let status = Command::new(program)
        .args(rest)
        .env("PGHOST", cluster.socket_dir())
        .env("PGPORT", cluster.port().to_string())
        .env("PGUSER", "postgres")
        .status();
    drop(cluster);
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => {
            eprintln!("with_cluster: cannot run {program}: {e}");
            ExitCode::from(2)
        }
    }
}
