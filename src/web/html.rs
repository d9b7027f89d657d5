//! The frame of every page: the layout and its view model
//! (`templates/layout.html`), the error page, rendering. Every page is a
//! template checked at compile time with escaping on (its view model beside
//! its handler in `pages/`, the partials' in `view`). Server-rendered, no
//! front-end build; a few lines of plain JS (`static/app.js`) sort tables and
//! upload files.

use askama::Template;

use crate::access::{Caller, Role};

/// Percent-encode a query value.
pub fn url(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The stylesheet and script of every page, served from `/static/` (see
/// `web::assets`): no inline style or script, so the CSP can forbid both.
pub const STYLE: &str = include_str!("static/app.css");
pub const SCRIPT: &str = include_str!("static/app.js");

/// What the layout (`templates/layout.html`) shows around every page: the
/// static files' version and, for a signed-in caller, the navigation of its role.
pub struct Layout {
    pub version: &'static str,
    pub nav: Option<Nav>,
}

/// The header of a signed-in page: links for the role, who is signed in, sign-out.
pub struct Nav {
    pub links: Vec<(&'static str, &'static str)>,
    pub username: String,
    pub role: &'static str,
    pub scope: String,
    pub csrf: String,
}

impl Layout {
    pub fn new(who: Option<(&Caller, &str)>) -> Layout {
        let nav = who.map(|(c, csrf)| {
            let mut links = Vec::new();
            if c.role != Role::Base {
                links.extend([
                    ("/overview", "概览"),
                    ("/at-risk", "风险基地"),
                    ("/reviews", "记录审核"),
                    ("/documents", "报送情况"),
                    ("/recognition", "年度认定"),
                ]);
            }
            links.push(("/bases", "基地列表"));
            if c.role == Role::Province {
                links.extend([
                    ("/imports", "数据导入"),
                    ("/outbox", "发件箱"),
                    ("/jobs", "定时任务"),
                    ("/rectification", "整改管理"),
                    ("/readings", "规则解读"),
                ]);
            }
            Nav {
                links,
                username: c.username.clone(),
                role: c.role.name_zh(),
                scope: c.scope_name.clone(),
                csrf: csrf.to_string(),
            }
        });
        Layout {
            version: super::assets::version(),
            nav,
        }
    }
}

/// The page a browser gets for an error: the status and the message (the
/// same message the API gives as JSON).
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView<'a> {
    title: &'a str,
    layout: Layout,
    message: &'a str,
    status: u16,
}

/// Render a template; a failure (a bug) becomes a plain message.
pub fn render(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!("template: {e}");
        "服务器内部错误 (internal error)".into()
    })
}

pub fn error_page(status: actix_web::http::StatusCode, message: &str) -> String {
    let title = match status.as_u16() {
        404 => "未找到",
        403 => "无权访问",
        400 | 422 => "请求有误",
        408 => "请求超时",
        409 => "操作不被允许",
        413 => "文件过大",
        429 => "请求过于频繁",
        _ => "出错了",
    };
    render(&ErrorView {
        title,
        layout: Layout::new(None),
        message,
        status: status.as_u16(),
    })
}

pub fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}
