//! `cxm`: parses the command line, loads the configuration, installs logging, runs the command
//! and prints the whole error chain on failure.

#![forbid(unsafe_code)]

mod args;
mod bench;
mod bench_stats;
mod commands;
mod config;
mod import;
mod table;
mod text;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Cli::parse();
    if !matches!(
        args.command,
        args::Command::Serve { .. } | args::Command::Demo { .. }
    ) {
        // A command piped into `head` stops quietly when the reader goes, as Unix tools do,
        // instead of failing on its next line. The server keeps the default of ignoring it.
        sigpipe::reset();
    }
    let filter = std::env::var("RUST_LOG")
        .unwrap_or_else(|_| "warn,cxm=info,cxm_app=info,cxm_server=info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
