//! View models of the page partials (`templates/_parts.html`): tables,
//! pagers, badges, filter forms, year pickers and dashboard panels. Every
//! field is plain text or a typed value, and the templates escape it; the one
//! piece of markup a view carries is a chart's SVG (`Block::Svg`), drawn by
//! plotters from escaped labels.

/// How a value is coloured: the CSS classes `ok`, `warn`, `bad`, `muted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Bad,
    Muted,
}

impl Tone {
    pub fn class(&self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Muted => "muted",
        }
    }
}

/// A coloured label; `order` is what a sortable column sorts it by.
#[derive(Debug, Clone)]
pub struct Badge {
    pub tone: Tone,
    pub text: String,
    pub order: Option<u8>,
}

impl Badge {
    pub fn new(tone: Tone, text: impl Into<String>) -> Badge {
        Badge {
            tone,
            text: text.into(),
            order: None,
        }
    }
}

/// One table cell.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// Monospaced (a cron expression).
    Code(String),
    Link {
        href: String,
        text: String,
    },
    /// A link out of basewatch (an evidence URL), opened without a referrer.
    External {
        href: String,
        text: String,
    },
    /// Links joined by 、.
    Links(Vec<(String, String)>),
    Badge(Badge),
    /// A bar of `0..=100` per cent of the cell's width.
    Bar(u32),
    /// A ticked checkbox of the form around the table.
    Check {
        name: &'static str,
        value: String,
    },
    /// Staff's decision on a rectification: the re-check's proposal, then a
    /// form posting `decision` (passed, revoked, extended), `reason` and
    /// `deadline` to `action`.
    Decide {
        proposal: Option<Badge>,
        action: String,
        csrf: String,
    },
    /// A badge, a note, and a button that posts to `action`.
    Action {
        badge: Option<Badge>,
        note: String,
        action: String,
        label: &'static str,
        csrf: String,
    },
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<Badge> for Cell {
    fn from(b: Badge) -> Cell {
        Cell::Badge(b)
    }
}

/// A text cell of anything that prints.
pub fn text(v: impl std::fmt::Display) -> Cell {
    Cell::Text(v.to_string())
}

pub fn link(href: String, text: impl Into<String>) -> Cell {
    Cell::Link {
        href,
        text: text.into(),
    }
}

/// A column header; `href` (when the list sorts on the server) sorts by it.
#[derive(Debug, Clone)]
pub struct Header {
    pub label: String,
    pub href: Option<String>,
    pub arrow: &'static str,
}

/// How a table sorts: not at all, in the browser, or by server links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sorting {
    None,
    Browser,
    Server,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<Header>,
    pub rows: Vec<Vec<Cell>>,
    pub sorting: Sorting,
}

impl Table {
    /// A table with plain headers.
    pub fn new(headers: &[&str], rows: Vec<Vec<Cell>>, sorting: Sorting) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| Header {
                    label: h.to_string(),
                    href: None,
                    arrow: "",
                })
                .collect(),
            rows,
            sorting,
        }
    }

    pub fn class(&self) -> &'static str {
        match self.sorting {
            Sorting::None => "",
            Sorting::Browser => "sortable",
            Sorting::Server => "paged",
        }
    }

    /// At least one column, for the "no data" row.
    pub fn width(&self) -> usize {
        self.headers.len().max(1)
    }
}

/// "第 x–y 条，共 N 条" and the links around one page of a list.
#[derive(Debug, Clone)]
pub struct PagerView {
    pub text: String,
    /// Past the last page: back to page 1.
    pub first: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// One page of a long list: its pager above and below the table.
#[derive(Debug, Clone)]
pub struct PagedTable {
    pub pager: PagerView,
    pub table: Table,
}

/// A `<select>` of a filter form; `all` is the label of "no filter".
#[derive(Debug, Clone)]
pub struct Select {
    pub name: &'static str,
    pub all: Option<&'static str>,
    pub options: Vec<(String, String)>,
    pub selected: Option<String>,
}

impl Select {
    pub fn new<'a>(
        name: &'static str,
        all: Option<&'static str>,
        options: impl IntoIterator<Item = (&'a str, &'a str)>,
        selected: Option<&str>,
    ) -> Select {
        Select {
            name,
            all,
            options: options
                .into_iter()
                .map(|(v, l)| (v.to_string(), l.to_string()))
                .collect(),
            selected: selected.map(str::to_string),
        }
    }

    /// The years of a filter, newest first.
    pub fn years(years: &[i32], year: i32) -> Select {
        Select {
            name: "year",
            all: None,
            options: years
                .iter()
                .rev()
                .map(|y| (y.to_string(), format!("{y} 年度")))
                .collect(),
            selected: Some(year.to_string()),
        }
    }

    pub fn is_selected(&self, value: &str) -> bool {
        self.selected.as_deref() == Some(value)
    }
}

/// The filter form above a list: hidden fields, selects, a search box, the
/// rows-per-page select and the current order (so filtering keeps them).
#[derive(Debug, Clone)]
pub struct Filters {
    pub action: &'static str,
    pub hidden: Vec<(&'static str, String)>,
    pub selects: Vec<Select>,
    /// `Some` shows the search box with this value.
    pub search: Option<String>,
    pub per_page: Select,
    pub sort: String,
    /// Links after the button (exports).
    pub links: Vec<(String, &'static str)>,
}

impl Filters {
    pub fn new(action: &'static str, paging: &super::paging::Paging) -> Filters {
        let cur = paging.per_page.to_string();
        Filters {
            action,
            hidden: Vec::new(),
            selects: Vec::new(),
            search: None,
            per_page: Select::new(
                "per_page",
                None,
                [
                    ("20", "每页 20 条"),
                    ("50", "每页 50 条"),
                    ("100", "每页 100 条"),
                    ("200", "每页 200 条"),
                ],
                Some(&cur),
            ),
            sort: paging.sort_param(),
            links: Vec::new(),
        }
    }

    pub fn select(mut self, s: Select) -> Filters {
        self.selects.push(s);
        self
    }

    pub fn search(mut self, q: Option<&str>) -> Filters {
        self.search = Some(q.unwrap_or("").to_string());
        self
    }

    pub fn hidden(mut self, name: &'static str, value: impl Into<String>) -> Filters {
        self.hidden.push((name, value.into()));
        self
    }
}

/// The year select that applies at once, with links beside it.
#[derive(Debug, Clone)]
pub struct YearPicker {
    pub action: String,
    pub years: Select,
    pub links: Vec<(String, &'static str)>,
}

impl YearPicker {
    pub fn new(action: String, year: i32, years: &[i32]) -> YearPicker {
        YearPicker {
            action,
            years: Select::years(years, year),
            links: Vec::new(),
        }
    }
}

/// One piece of a dashboard panel.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph, toned or not.
    Text(Option<Tone>, String),
    /// A muted note with a link after it.
    NoteLink {
        text: String,
        href: String,
        label: String,
    },
    Heading(String),
    Table(Table),
    /// A chart drawn by plotters: markup, included as it is.
    Svg(String),
    /// A bulleted list of toned lines.
    List(Vec<(Tone, String)>),
}

impl Block {
    pub fn muted(text: impl Into<String>) -> Block {
        Block::Text(Some(Tone::Muted), text.into())
    }
}

/// A dashboard panel: a titled section of blocks; a wide one spans the grid.
#[derive(Debug, Clone)]
pub struct PanelView {
    pub title: String,
    pub wide: bool,
    pub blocks: Vec<Block>,
}

impl PanelView {
    /// The panel a failure leaves: the error is logged, the page still shows.
    pub fn broken(title: &str, e: &crate::error::AppError) -> PanelView {
        tracing::error!("panel {title}: {e}");
        PanelView {
            title: title.to_string(),
            wide: false,
            blocks: vec![Block::muted("此面板暂时无法显示")],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::Template;

    /// The partials as a page uses them.
    #[derive(Template)]
    #[template(
        source = r#"{% import "_parts.html" as parts %}{% call parts::table(t) %}{% call parts::pager(p) %}{% call parts::filters(f) %}{% call parts::panel(panel) %}"#,
        ext = "html"
    )]
    struct Probe {
        t: Table,
        p: PagerView,
        f: Filters,
        panel: PanelView,
    }

    const HOSTILE: &str = r#"<script>alert("x")</script>&'"#;

    #[test]
    fn every_partial_escapes_what_it_is_given_and_only_the_chart_is_markup() {
        let paging = super::super::paging::Paging::from(
            &super::super::paging::Params::parse(""),
            &["code"],
            "code",
        )
        .unwrap();
        let probe = Probe {
            t: Table::new(
                &[HOSTILE],
                vec![vec![
                    text(HOSTILE),
                    link(format!("/bases/{HOSTILE}"), HOSTILE),
                    Cell::Links(vec![("/a".into(), HOSTILE.into())]),
                    Cell::Badge(Badge::new(Tone::Bad, HOSTILE)),
                    Cell::Check {
                        name: "code",
                        value: HOSTILE.into(),
                    },
                    Cell::Action {
                        badge: None,
                        note: HOSTILE.into(),
                        action: "/x".into(),
                        label: "重试",
                        csrf: HOSTILE.into(),
                    },
                ]],
                Sorting::Browser,
            ),
            p: PagerView {
                text: HOSTILE.into(),
                first: None,
                prev: Some(format!("/x?q={HOSTILE}")),
                next: None,
            },
            f: Filters::new("/bases", &paging)
                .select(Select::new(
                    "type",
                    Some("全部"),
                    [(HOSTILE, HOSTILE)],
                    Some(HOSTILE),
                ))
                .search(Some(HOSTILE)),
            panel: PanelView {
                title: HOSTILE.into(),
                wide: true,
                blocks: vec![
                    Block::Text(None, HOSTILE.into()),
                    Block::Heading(HOSTILE.into()),
                    Block::List(vec![(Tone::Ok, HOSTILE.into())]),
                    Block::Svg("<svg><text>图</text></svg>".into()),
                ],
            },
        };
        let html = probe.render().unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains(r#"alert("x")"#), "{html}");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<svg><text>图</text></svg>"),
            "the chart is included as it is"
        );
        assert!(html.contains(r#"<table class="sortable">"#));
        assert!(
            html.contains(r#"<option value="&#60;script"#)
                || html.contains(r#"<option value="&lt;script"#)
        );
        assert!(
            html.contains(" selected>"),
            "the chosen option stays chosen: {html}"
        );
        assert!(html.contains(r#"<section class="panel wide">"#));
    }

    #[test]
    fn an_empty_table_says_so_across_its_columns() {
        #[derive(Template)]
        #[template(
            source = r#"{% import "_parts.html" as parts %}{% call parts::table(t) %}"#,
            ext = "html"
        )]
        struct One {
            t: Table,
        }
        let html = One {
            t: Table::new(&["a", "b", "c"], vec![], Sorting::None),
        }
        .render()
        .unwrap();
        assert!(
            html.contains(r#"<td colspan="3" class="muted">暂无数据</td>"#),
            "{html}"
        );
        assert!(html.starts_with("<table><thead>"), "{html}");
    }
}
