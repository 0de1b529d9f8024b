//! Command-line definitions (clap): what each command and flag means, in the words `--help` shows.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// brief — a static site generator for annotated briefings.
///
/// Write Markdown articles with YAML front matter (sources, entities, dated events,
/// claims) in content/, then run `brief build` to get a static site in site/.
#[derive(Debug, Parser)]
#[command(name = "brief", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default: site/).
    ///
    /// Nothing is written unless the whole site builds without error; a failed build leaves
    /// the output folder exactly as it was.
    Build(BuildArgs),
    /// Check the site for errors and warnings without writing anything.
    Check(CheckArgs),
    /// Create a new article in content/ from a title.
    New(NewArgs),
    /// Build, serve the site on this machine, and rebuild and reload the browser on every save.
    ///
    /// Pages are served from memory under the path of base_url; site/ on disk stays exactly what
    /// `brief build` writes. A bad edit keeps the last good site and shows the errors in the page.
    Serve(ServeArgs),
    /// Rebuild the output folder on every save, without a server (the same as `build --watch`).
    Watch(BuildArgs),
}

/// Flags shared by commands that read a site.
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The site folder, holding brief.yaml and content/.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Use this base URL instead of brief.yaml's (e.g. https://example.org/sub/briefing/).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// `brief build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Where to write the site (default: <root>/site).
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Write into a non-empty output folder that brief did not create (its other files are kept).
    #[arg(long)]
    pub force: bool,
    /// Keep running, and rebuild on every change to content/, templates/, static/ or brief.yaml.
    #[arg(long)]
    pub watch: bool,
}

/// `brief serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The site folder, holding brief.yaml and content/.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address exposes the site to the network.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
}

/// `brief check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
}

/// `brief new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Title of the article, in quotes.
    pub title: String,
    /// The site folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}
