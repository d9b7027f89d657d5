//! Long lists, paged, sorted and filtered on the server: `page`, `per_page`
//! (at most [`MAX_PER_PAGE`]), `sort` (`name`, or `-name` for descending)
//! and each list's own filters. A page says "第 x–y 条，共 N 条" and its
//! previous/next and column links keep the filters. A value that does not
//! parse is a 400 that says which one; a `per_page` above the cap is capped.

use std::cmp::Ordering;

use super::html::url;
use super::view::{Cell, Header, PagedTable, PagerView, Sorting, Table};
use super::WebError;

/// Rows per page unless `per_page` says otherwise.
pub const PER_PAGE: usize = 50;
/// The most rows one page (or one API answer) carries.
pub const MAX_PER_PAGE: usize = 200;

/// The query string as (key, value) pairs, decoded.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: &str) -> Params {
        Params(super::body::form_pairs(query.as_bytes()))
    }

    /// The first value of `key`, trimmed; `None` when missing or blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// `key` as an owned string (for filters kept in links).
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    /// `year`, if given: a number, or a 400.
    pub fn year(&self) -> Result<Option<i32>, WebError> {
        self.get("year")
            .map(|v| {
                v.parse::<i32>()
                    .map_err(|_| WebError::BadRequest(format!("年度无效 (invalid year): {v}")))
            })
            .transpose()
    }

    /// `key` read by a domain type's `parse` (which accepts the forms people
    /// type: 郑州 or 郑州市, iar or 产学研协作类), or a 400 saying why not.
    pub fn parsed<T, E: std::fmt::Display>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, WebError> {
        self.get(key)
            .map(|v| {
                parse(v).map_err(|e| {
                    WebError::BadRequest(format!("参数 {key} 无效 (invalid {key}): {v}（{e}）"))
                })
            })
            .transpose()
    }

    /// `key` if it is one of `allowed`, or a 400 naming the allowed values.
    /// A value of a closed set, by its code (`?status=sent`); anything else
    /// is a 400 that lists the codes.
    pub fn coded<T: crate::domain::Coded>(&self, key: &str) -> Result<Option<T>, WebError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => T::from_code(v).map(Some).ok_or_else(|| {
                let codes: Vec<&str> = T::all().iter().map(|x| x.code()).collect();
                WebError::BadRequest(format!(
                    "参数 {key} 无效 (invalid {key}): {v}；可用 (allowed)：{}",
                    codes.join(", ")
                ))
            }),
        }
    }

    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, WebError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(v) => Err(WebError::BadRequest(format!(
                "参数 {key} 无效 (invalid {key}): {v}；可用 (allowed)：{}",
                allowed.join(", ")
            ))),
        }
    }
}

/// Which page, how many rows and in what order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: usize,
    pub per_page: usize,
    /// A sort key of the list, without the `-`.
    pub sort: String,
    pub desc: bool,
    /// The list's own default, so links leave it out.
    default_sort: String,
}

impl Paging {
    /// Read `page`, `per_page` and `sort` (one of `sorts`, `default` when
    /// missing; `default` may start with `-`).
    pub fn from(p: &Params, sorts: &[&str], default: &str) -> Result<Paging, WebError> {
        let number = |key: &str, what: &str| -> Result<Option<usize>, WebError> {
            p.get(key)
                .map(|v| {
                    v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                        WebError::BadRequest(format!(
                            "{what}无效，应为正整数 (invalid {key}, a positive integer): {v}"
                        ))
                    })
                })
                .transpose()
        };
        let page = number("page", "页码")?.unwrap_or(1);
        let per_page = number("per_page", "每页条数")?
            .unwrap_or(PER_PAGE)
            .min(MAX_PER_PAGE);
        let raw = p.get("sort").unwrap_or(default);
        let (desc, key) = match raw.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, raw),
        };
        if !sorts.contains(&key) {
            return Err(WebError::BadRequest(format!(
                "排序字段无效 (invalid sort): {raw}；可用 (allowed)：{}（前加 - 为降序）",
                sorts.join(", ")
            )));
        }
        Ok(Paging {
            page,
            per_page,
            sort: key.to_string(),
            desc,
            default_sort: default.to_string(),
        })
    }

    pub fn offset(&self) -> usize {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// For a query that pages in the database: (oldest first, offset, limit).
    pub fn window(&self) -> (bool, i64, i64) {
        (
            !self.desc,
            i64::try_from(self.offset()).unwrap_or(i64::MAX),
            i64::try_from(self.per_page).unwrap_or(i64::MAX),
        )
    }

    /// This page's part of `all` (empty past the end).
    pub fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let from = self.offset().min(all.len());
        let to = from.saturating_add(self.per_page).min(all.len());
        &all[from..to]
    }

    /// `ord` in the requested direction.
    pub fn dir(&self, ord: Ordering) -> Ordering {
        if self.desc {
            ord.reverse()
        } else {
            ord
        }
    }

    /// `sort` as a query value: `name` or `-name`.
    pub fn sort_param(&self) -> String {
        format!("{}{}", if self.desc { "-" } else { "" }, self.sort)
    }
}

/// What surrounds one page of a list: the count, the links, the headers.
pub struct Pager<'a> {
    /// The list's address, e.g. `/bases` or `/api/v1/bases`.
    pub path: &'a str,
    /// Filters to keep in every link, in order.
    pub keep: Vec<(&'static str, String)>,
    pub paging: &'a Paging,
    pub total: usize,
}

impl Pager<'_> {
    fn href(&self, page: usize, sort: &str) -> String {
        let mut q: Vec<String> = self
            .keep
            .iter()
            .map(|(k, v)| format!("{k}={}", url(v)))
            .collect();
        if sort != self.paging.default_sort {
            q.push(format!("sort={}", url(sort)));
        }
        if self.paging.per_page != PER_PAGE {
            q.push(format!("per_page={}", self.paging.per_page));
        }
        if page != 1 {
            q.push(format!("page={page}"));
        }
        if q.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, q.join("&"))
        }
    }

    fn last_page(&self) -> usize {
        self.total.div_ceil(self.paging.per_page).max(1)
    }

    /// The address of the next page, if there is one (for the API's `next`).
    pub fn next(&self) -> Option<String> {
        (self.paging.page < self.last_page())
            .then(|| self.href(self.paging.page + 1, &self.paging.sort_param()))
    }

    /// "第 x–y 条，共 N 条" with the previous and next pages' addresses.
    pub fn view(&self) -> PagerView {
        let p = self.paging;
        let sort = p.sort_param();
        // Saturating: ?page=999999999999999999 is an empty page, not a panic.
        let from = p.offset().saturating_add(1);
        let to = p.offset().saturating_add(p.per_page).min(self.total);
        let past = self.total > 0 && from > self.total;
        let text = if self.total == 0 {
            "共 0 条".to_string()
        } else if past {
            format!("第 {} 页没有数据，共 {} 条", p.page, self.total)
        } else {
            format!(
                "第 {from}–{to} 条，共 {} 条（第 {} / {} 页）",
                self.total,
                p.page,
                self.last_page()
            )
        };
        PagerView {
            text,
            first: past.then(|| self.href(1, &sort)),
            prev: (p.page > 1 && !past && self.total > 0).then(|| self.href(p.page - 1, &sort)),
            next: self.next(),
        }
    }

    /// This page's rows under headers that sort on the server (those with a
    /// key link to this list sorted by them, again: the other way, from page 1).
    pub fn table(&self, headers: &[(&str, Option<&str>)], rows: Vec<Vec<Cell>>) -> PagedTable {
        let p = self.paging;
        let headers = headers
            .iter()
            .map(|(label, key)| match key {
                Some(k) => {
                    let current = *k == p.sort;
                    let next = if current && !p.desc {
                        format!("-{k}")
                    } else {
                        k.to_string()
                    };
                    Header {
                        label: label.to_string(),
                        href: Some(self.href(1, &next)),
                        arrow: match (current, p.desc) {
                            (true, false) => " ▲",
                            (true, true) => " ▼",
                            _ => "",
                        },
                    }
                }
                None => Header {
                    label: label.to_string(),
                    href: None,
                    arrow: "",
                },
            })
            .collect();
        PagedTable {
            pager: self.view(),
            table: Table {
                headers,
                rows,
                sorting: Sorting::Server,
            },
        }
    }
}

/// Does `text` match a search for `q` (a name part or a code part, any case)?
pub fn matches(q: &str, name: &str, code: &str) -> bool {
    name.contains(q) || code.to_uppercase().contains(&q.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(q: &str) -> Result<Paging, WebError> {
        Paging::from(&Params::parse(q), &["code", "name"], "code")
    }

    #[test]
    fn paging_reads_defaults_caps_per_page_and_refuses_what_does_not_parse() {
        let p = paging("").unwrap();
        assert_eq!(
            (p.page, p.per_page, p.sort.as_str(), p.desc),
            (1, 50, "code", false)
        );
        let p = paging("page=3&per_page=100000&sort=-name").unwrap();
        assert_eq!(
            (p.page, p.per_page, p.sort.as_str(), p.desc),
            (3, 200, "name", true)
        );
        for bad in [
            "page=0",
            "page=abc",
            "per_page=-1",
            "per_page=0",
            "sort=city",
            "page=1e3",
        ] {
            let e = paging(bad).unwrap_err();
            assert!(matches!(e, WebError::BadRequest(_)), "{bad}: {e}");
        }
        assert!(paging("page=99999999999999999999999").is_err());
    }

    #[test]
    fn the_pager_counts_and_its_links_keep_the_filters() {
        let p = paging("page=2&per_page=10&sort=-name").unwrap();
        let pager = Pager {
            path: "/bases",
            keep: vec![("city", "郑州市".into()), ("q", "a&b".into())],
            paging: &p,
            total: 25,
        };
        let v = pager.view();
        assert_eq!(v.text, "第 11–20 条，共 25 条（第 2 / 3 页）");
        let keep = "/bases?city=%E9%83%91%E5%B7%9E%E5%B8%82&q=a%26b&sort=-name&per_page=10";
        assert_eq!(v.next.as_deref(), Some(&*format!("{keep}&page=3")));
        assert_eq!(v.prev.as_deref(), Some(keep), "previous is page 1");
        assert!(v.first.is_none());
        let last = paging("page=3&per_page=10").unwrap();
        let pager = Pager {
            path: "/x",
            keep: vec![],
            paging: &last,
            total: 25,
        };
        assert!(pager.next().is_none());
        assert!(pager.view().text.starts_with("第 21–25 条，共 25 条"));
        assert_eq!(
            last.slice(&(0..25).collect::<Vec<_>>()),
            &[20, 21, 22, 23, 24]
        );
        let past = paging("page=9&per_page=10").unwrap();
        assert!(past.slice(&[1, 2, 3]).is_empty());
        let far = paging(&format!("page={}", usize::MAX)).unwrap();
        let pager = Pager {
            path: "/x",
            keep: vec![],
            paging: &far,
            total: 3,
        };
        let v = pager.view();
        assert!(v.text.contains("页没有数据") && v.next.is_none() && v.prev.is_none());
        assert_eq!(v.first.as_deref(), Some("/x"));
        assert!(far.slice(&[1, 2, 3]).is_empty());
    }

    #[test]
    fn a_header_sorts_by_its_column_and_again_the_other_way() {
        let p = paging("sort=name").unwrap();
        let pager = Pager {
            path: "/bases",
            keep: vec![],
            paging: &p,
            total: 1,
        };
        let t = pager.table(
            &[("名称", Some("name")), ("编号", Some("code")), ("x", None)],
            vec![],
        );
        let h = &t.table.headers;
        assert_eq!(h[0].href.as_deref(), Some("/bases?sort=-name"));
        assert_eq!(h[0].arrow, " ▲");
        assert_eq!(
            h[1].href.as_deref(),
            Some("/bases"),
            "code is the default sort"
        );
        assert!(h[2].href.is_none());
    }
}
