use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = spheroseg_top::launch::keys::command_line();
    match spheroseg_top::launch::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}
