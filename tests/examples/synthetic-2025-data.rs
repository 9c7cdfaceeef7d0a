//! Writes the synthetic 2025 data folder (see `kvarter_e2e::synthetic`) to the folder given as
//! the only argument, for the browser tests: `cargo run -p kvarter-e2e --example
//! synthetic-2025-data -- DIR`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: synthetic-2025-data DIR");
        return ExitCode::from(2);
    };
    match kvarter_e2e::synthetic::write_synthetic_2025_data(std::path::Path::new(&dir)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write the synthetic 2025 data: {error}");
            ExitCode::FAILURE
        }
    }
}
