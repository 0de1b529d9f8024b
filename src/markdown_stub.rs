//! temporary stub
#![allow(missing_docs, dead_code)]
pub trait Lookup {
    fn source(&self, id: &str) -> Option<SourceCard>;
    fn entity(&self, id: &str) -> Option<EntityCard>;
    fn claim(&self, id: &str) -> Option<ClaimCard>;
    fn suggest(&self, kind: RefKind, id: &str) -> Option<String>;
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)] pub enum RefKind { Source, Entity, Claim }
#[derive(Debug, Clone)] pub struct SourceCard { pub title: String, pub publisher: Option<String>, pub date: Option<String> }
#[derive(Debug, Clone)] pub struct EntityCard { pub name: String, pub role: Option<String> }
#[derive(Debug, Clone)] pub struct ClaimCard { pub status: String }
pub struct Options<'a> { pub base_path: &'a str, pub raw_html_trusted: bool }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation { pub id: String, pub number: usize, pub uses: Vec<CitationUse> }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationUse { pub anchor: String, pub locator: Option<String> }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading { pub level: u8, pub id: String, pub text: String }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem { pub offset: usize, pub code: &'static str, pub message: String, pub help: Option<String>, pub is_error: bool }
#[derive(Debug, Clone, Default)]
pub struct Rendered { pub html: String, pub citations: Vec<Citation>, pub mentions: Vec<String>, pub claims: Vec<String>, pub headings: Vec<Heading>, pub problems: Vec<Problem> }
pub fn render(body: &str, _lookup: &dyn Lookup, _options: &Options) -> Rendered {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(body));
    Rendered { html, ..Rendered::default() }
}
