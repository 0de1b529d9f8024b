//! The `brief` command: runs a command, prints diagnostics and a summary, and sets the exit code.

mod cli;

/// A build makes and frees millions of small values from several threads; the profile
/// showed a fifth of the time in the system allocator, and mimalloc took 10k-article
/// builds from 5.1 s to 4.3 s of wall time (bench/README.md). It is built without
/// transparent huge pages (feature `no_thp`): with them, every first touch of a 2 MiB
/// range zeroed all of it, up to 1.6 s of a 10k build's CPU time in the kernel, and the
/// peak memory was 25 MB higher.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its index in `mimalloc.h`; the crate names no
/// constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A one-off build gives freed memory back to the system after mimalloc's default 10 ms.
/// 50 ms saved a tenth of the page faults (150,000 against 165,000 at 10k articles) for
/// the same peak on the default corpus (322–335 MiB either way), but a site with a page
/// per article source (45k sources at 10k articles) frees and makes more between its
/// stages, and it peaked at 444–484 MiB against 415–426 MiB with 10 ms.
///
/// `serve` and `watch` (`keep_freed`) never give it back: each rebuild frees the last
/// one's changed pages and makes new ones (70 MB after a title edit at 10k articles),
/// and memory given back during the pause between two saves was faulted in again by the
/// next rebuild, 6,000–22,000 faults. Their peak memory stays the same (1.38 GB at 10k
/// articles, which they hold to serve the site); the reload after a title edit came
/// 7–22 ms sooner (bench/README.md). `MIMALLOC_PURGE_DELAY` still overrides both.
fn tune_allocator(keep_freed: bool) {
    if keep_freed && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc's options are plain globals, not synchronised; this runs first
        // in `main`, before any other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
    }
}

/// Hands the memory of the articles' bodies back to the system at once, when a build has
/// just freed a lot of it. They were freed on one thread and made on the others, and with
/// a purge delay of 50 ms that memory was still held while the next pages were made: a
/// 10k-article build (113 MB of bodies) peaked at 379–422 MB, over the 400 MiB target in
/// some runs, against 372–383 MB with this, for 10,000–20,000 more page faults. A small
/// site gains nothing from it and would only pay the faults (5,000 at 1k articles).
fn return_freed_memory(bytes: usize) {
    if bytes < RETURN_FREED_FROM {
        return;
    }
    // SAFETY: `mi_collect` only works on the calling thread's own heap.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// The commands that keep running and rebuild on every save.
fn rebuilds_on_save(command: &Command) -> bool {
    match command {
        Command::Serve(_) | Command::Watch(_) => true,
        Command::Build(args) => args.watch,
        Command::Check(_) | Command::New(_) => false,
    }
}

/// Bodies of fewer bytes than this are left to the purge delay.
const RETURN_FREED_FROM: usize = 32 << 20;

use std::process::ExitCode;
use std::time::Instant;

use brief::diag::Diagnostic;
use clap::Parser as _;
use cli::{Cli, Command, SiteArgs};

/// Most diagnostics printed in one run; the rest are counted.
const MAX_SHOWN: usize = 50;

fn options(site: &SiteArgs) -> brief::Options {
    brief::Options {
        root: site.root.clone(),
        drafts: site.drafts,
        base_url: site.base_url.clone(),
        bodies_freed: Some(return_freed_memory),
        ..brief::Options::default()
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics.iter().take(MAX_SHOWN) {
        eprintln!("{}", d.render());
    }
    if diagnostics.len() > MAX_SHOWN {
        eprintln!("… and {} more", diagnostics.len() - MAX_SHOWN);
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if errors + warnings > 0 {
        eprintln!("{errors} error(s), {warnings} warning(s)");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tune_allocator(rebuilds_on_save(&cli.command));
    let started = Instant::now();
    match cli.command {
        Command::Build(args) if args.watch => watch(args),
        Command::Watch(args) => watch(args),
        Command::Serve(args) => {
            let opts = brief::serve::ServeOptions {
                root: args.root,
                port: args.port,
                bind: args.bind,
                drafts: args.drafts,
                open: args.open,
            };
            exit_with(brief::serve::serve(&opts))
        }
        Command::Build(args) => {
            let mut opts = options(&args.site);
            opts.output = args.output;
            opts.force = args.force;
            let outcome = brief::build(&opts, args.site.strict);
            print_diagnostics(&outcome.diagnostics);
            match outcome.written {
                Some(report) if !outcome.failed(args.site.strict) => {
                    eprintln!(
                        "built {} files in {:.2} s into {} ({} written, {} unchanged, {} removed)",
                        outcome.pages,
                        started.elapsed().as_secs_f64(),
                        opts.output_dir().display(),
                        report.written,
                        report.unchanged,
                        report.removed
                    );
                    ExitCode::SUCCESS
                }
                _ => {
                    eprintln!("build failed: nothing was written");
                    ExitCode::from(1)
                }
            }
        }
        Command::Check(args) => {
            let outcome = brief::check(&options(&args.site));
            print_diagnostics(&outcome.diagnostics);
            if outcome.failed(args.site.strict) {
                ExitCode::from(1)
            } else {
                eprintln!(
                    "check passed: {} files would be built ({:.2} s)",
                    outcome.pages,
                    started.elapsed().as_secs_f64()
                );
                ExitCode::SUCCESS
            }
        }
        Command::New(args) => {
            let today = jiff::ZonedDateTime::now().date().to_string();
            match brief::scaffold::create(&args.root, &args.title, &today) {
                Ok(path) => {
                    println!("created {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// `brief build --watch` and `brief watch`.
fn watch(args: cli::BuildArgs) -> ExitCode {
    let mut options = options(&args.site);
    options.output = args.output;
    options.force = args.force;
    exit_with(brief::serve::watch(brief::serve::watch::Settings {
        options,
        strict: args.site.strict,
    }))
}

/// Exit status of `serve` and `watch`: 0 when stopped by Ctrl-C, 1 when they could not run.
fn exit_with(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}", message.trim_end());
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    #[test]
    fn serve_and_watch_keep_the_memory_they_free() {
        let cases: &[(&[&str], bool)] = &[
            (&["brief", "serve"], true),
            (&["brief", "watch"], true),
            (&["brief", "build", "--watch"], true),
            (&["brief", "build"], false),
            (&["brief", "check"], false),
            (&["brief", "new", "A title"], false),
        ];
        for (args, keeps) in cases {
            let cli = super::Cli::try_parse_from(*args).expect("parses");
            assert_eq!(super::rebuilds_on_save(&cli.command), *keeps, "{args:?}");
        }
    }

    /// The index names the purge delay: its default is 10 (ms), and its neighbours'
    /// defaults differ (`eager_commit_delay` 1, `use_numa_nodes` 0).
    #[test]
    fn purge_delay_option_index() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reading an option; no test here writes one.
        let [before, delay, after] = [
            super::PURGE_DELAY - 1,
            super::PURGE_DELAY,
            super::PURGE_DELAY + 1,
        ]
        .map(|option| unsafe { libmimalloc_sys::mi_option_get(option) });
        assert_eq!((before, delay, after), (1, 10, 0));
    }
}
