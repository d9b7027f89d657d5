//! The demo province: generated from a fixed seed, written as the three
//! import templates (XLSX register, GBK and UTF-8 CSV counts, CSV records).

use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate};

use crate::domain::{BaseType, Channel, City, CreditCode, Indicator};
use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

/// How a base does in one year of the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Every target met with room to spare (on track in the running year).
    Strong,
    /// Every target met exactly.
    Borderline,
    /// One indicator short of its target.
    Failing,
    /// One indicator not reported at all.
    Missing,
    /// Running year only: below the pace the date calls for.
    Behind,
}

/// Where a base's numbers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Declared,
    Records,
    Both,
    /// Declared counts and records that do not add up (flagged on the scorecard).
    BothDisagree,
}

/// One year of a base's story: (year, profile, values in the rulebook's
/// order, `None` = not reported).
pub type YearValues = (i32, Profile, Vec<(Indicator, Option<u32>)>);

#[derive(Debug, Clone)]
pub struct DemoBase {
    pub code: String,
    pub name: String,
    pub ty: BaseType,
    pub host: String,
    pub credit: String,
    pub channel: Channel,
    pub unit: String,
    pub city: City,
    pub recognised: NaiveDate,
    pub email: String,
    pub source: Source,
    pub revoked_on: Option<NaiveDate>,
    /// (year, profile, values in the rulebook's order; `None` = not reported)
    pub years: Vec<YearValues>,
}

#[derive(Debug, Clone)]
pub struct Province {
    pub today: NaiveDate,
    pub bases: Vec<DemoBase>,
    pub files_dir: PathBuf,
}

/// SplitMix64: tiny, seeded, good enough for a story.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const FIELDS: [&str; 20] = [
    "智能制造",
    "新材料",
    "生物医药",
    "现代农业",
    "电子信息",
    "新能源汽车",
    "节能环保",
    "食品加工",
    "高端装备",
    "中医药",
    "轨道交通",
    "超硬材料",
    "现代物流",
    "文化创意",
    "数字经济",
    "氢能",
    "现代纺织",
    "航空航天",
    "智慧矿山",
    "种业",
];
const SOCIETIES: [&str; 8] = [
    "河南省机械工程学会",
    "河南省化学会",
    "河南省农学会",
    "河南省医学会",
    "河南省计算机学会",
    "河南省电子学会",
    "河南省材料研究学会",
    "河南省中医药学会",
];
const INSTITUTIONS: [&str; 5] = [
    "河南省科学院",
    "河南省农业科学院",
    "中国一拖集团有限公司",
    "中国平煤神马控股集团有限公司",
    "中国电子科技集团公司第二十七研究所",
];
const PARTNERS: [&str; 8] = [
    "中德", "中乌", "中俄", "中以", "中法", "中意", "中韩", "中匈",
];
const HOSTS: [&str; 6] = [
    "研究院有限公司",
    "科技有限公司",
    "大学",
    "产业园发展有限公司",
    "创新研究院",
    "集团股份有限公司",
];

impl Province {
    /// The province as it stands on `today`: data for the two years before
    /// today's and for today's year so far.
    pub fn generate(today: NaiveDate) -> Province {
        let rulebook = Rulebook::henan();
        let y0 = today.year();
        let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
        // 省科协 recognises once a year (第九条); the last batch mid-year.
        let batches = [
            (date(y0 - 4, 12, 26), 45),
            (date(y0 - 3, 12, 22), 45),
            (date(y0 - 2, 12, 20), 40),
            (date(y0 - 1, 6, 30), 20),
        ];
        let mut rng = Rng(0x4b43_5a59_2023);
        let mut bases = Vec::new();
        let mut n = 0;
        for (recognised, count) in batches {
            for _ in 0..count {
                n += 1;
                let ty = match rng.below(100) {
                    0..=39 => BaseType::Iar,
                    40..=72 => BaseType::Incubation,
                    _ => BaseType::International,
                };
                // Every city gets bases; Zhengzhou and Luoyang get more.
                let city = if n <= 18 {
                    City::ALL[n - 1]
                } else if rng.chance(30) {
                    *rng.pick(&[City::ALL[0], City::ALL[2]])
                } else {
                    *rng.pick(&City::ALL)
                };
                let short = city
                    .as_str()
                    .trim_end_matches('市')
                    .trim_end_matches("示范区");
                let field = *rng.pick(&FIELDS);
                let (channel, unit) = match rng.below(100) {
                    0..=59 => (
                        Channel::City,
                        format!(
                            "{short}{}科协",
                            if city.as_str().ends_with('市') {
                                "市"
                            } else {
                                "示范区"
                            }
                        ),
                    ),
                    60..=84 => (Channel::Society, rng.pick(&SOCIETIES).to_string()),
                    _ => (Channel::Institution, rng.pick(&INSTITUTIONS).to_string()),
                };
                let name = match ty {
                    BaseType::Iar => format!("{short}{field}产学研协作基地"),
                    BaseType::Incubation => format!("{short}{field}科创孵化基地"),
                    BaseType::International => {
                        format!("{}{field}国际创新合作基地（{short}）", rng.pick(&PARTNERS))
                    }
                };
                let host = format!("{short}{field}{}", rng.pick(&HOSTS));
                let credit = credit_code(&mut rng, n);
                let source = match rng.below(100) {
                    0..=44 => Source::Declared,
                    45..=84 => Source::Records,
                    _ => Source::Both,
                };
                bases.push(DemoBase {
                    code: format!("KCZY-{}-{:03}", recognised.year(), n),
                    name,
                    ty,
                    host,
                    credit,
                    channel,
                    unit,
                    city,
                    recognised,
                    email: format!("kczy{n:03}@example.org"),
                    source,
                    revoked_on: None,
                    years: Vec::new(),
                });
            }
        }
        // Two bases whose records and declarations disagree.
        let mut flagged = 0;
        for b in bases.iter_mut() {
            if b.source == Source::Both && flagged < 2 {
                b.source = Source::BothDisagree;
                flagged += 1;
            }
        }
        let years = [y0 - 2, y0 - 1, y0];
        let elapsed = f64::from(today.ordinal()) / 365.25;
        let mut revoked = 0;
        for b in bases.iter_mut() {
            for y in years {
                if rulebook.first_evaluated_year(b.recognised) > y {
                    continue;
                }
                if b.revoked_on.is_some_and(|r| r.year() < y) {
                    continue;
                }
                let running = y == y0;
                let profile = match (running, rng.below(100)) {
                    (false, 0..=59) | (true, 0..=54) => Profile::Strong,
                    (false, 60..=74) | (true, 55..=64) => Profile::Borderline,
                    (false, 75..=92) | (true, 65..=72) => Profile::Failing,
                    (false, _) | (true, 73..=79) => Profile::Missing,
                    (true, _) => Profile::Behind,
                };
                let targets = rulebook.targets(b.ty);
                let odd = rng.below(targets.len() as u64) as usize;
                let mut values = Vec::new();
                for (k, (ind, t)) in targets.iter().enumerate() {
                    let t = *t;
                    let full = match profile {
                        Profile::Strong | Profile::Behind => {
                            t + rng.below(u64::from(t / 2 + 2)) as u32
                        }
                        Profile::Borderline => t,
                        Profile::Failing if k == odd => t.saturating_sub(1 + rng.below(2) as u32),
                        Profile::Missing if k == odd => {
                            values.push((*ind, None));
                            continue;
                        }
                        _ => t + 1,
                    };
                    let v = if running {
                        let so_far = f64::from(full) * elapsed;
                        let v = if profile == Profile::Behind {
                            (so_far * 0.8).floor()
                        } else if profile == Profile::Failing && k == odd {
                            // Far behind: cannot make it in the time left.
                            (so_far * 0.5).floor()
                        } else {
                            so_far.ceil()
                        };
                        (v as u32).min(full)
                    } else {
                        full
                    };
                    values.push((*ind, Some(v)));
                }
                b.years.push((y, profile, values));
                // The first two bases that fail the first year are revoked in the next.
                if y == y0 - 2 && profile == Profile::Failing && revoked < 2 {
                    let on = date(y0 - 1, 9, 30);
                    if on <= today {
                        b.revoked_on = Some(on);
                        revoked += 1;
                    }
                }
            }
        }
        Province {
            today,
            bases,
            files_dir: PathBuf::new(),
        }
    }

    /// The three years the demo holds data for.
    pub fn years(&self) -> [i32; 3] {
        let y = self.today.year();
        [y - 2, y - 1, y]
    }

    /// (code, date) of every revoked base.
    pub fn revoked(&self) -> Vec<(String, NaiveDate)> {
        self.bases
            .iter()
            .filter_map(|b| b.revoked_on.map(|d| (b.code.clone(), d)))
            .collect()
    }

    /// Write the template files under `dir`, in import order.
    pub fn write_files(&mut self, dir: &Path) -> AppResult<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
        self.files_dir = dir.to_path_buf();
        let mut files = vec![self.write_register(&dir.join("01-基地名册.xlsx"))?];
        for (k, y) in self.years().into_iter().enumerate() {
            // One year comes as GBK, as WPS saves it; the others as UTF-8 with a BOM.
            let gbk = k == 1;
            let p = dir.join(format!(
                "02-年度指标表-{y}{}.csv",
                if gbk { "-GBK" } else { "" }
            ));
            write_text(&p, &self.counts_csv(y), gbk)?;
            files.push(p);
            let p = dir.join(format!("03-活动明细-{y}.csv"));
            write_text(&p, &self.records_csv(y), false)?;
            files.push(p);
        }
        Ok(files)
    }

    fn write_register(&self, path: &Path) -> AppResult<PathBuf> {
        let xlsx = |e: rust_xlsxwriter::XlsxError| {
            AppError::Invalid(format!(
                "无法写入 {} (cannot write the workbook): {e}",
                path.display()
            ))
        };
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("基地名册").map_err(xlsx)?;
        let header = [
            "基地编号",
            "基地名称",
            "基地类型",
            "依托单位",
            "统一社会信用代码",
            "推荐渠道",
            "推荐单位",
            "所在地市",
            "认定日期",
            "联系邮箱",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(xlsx)?;
        }
        for (r, b) in self.bases.iter().enumerate() {
            let r = r as u32 + 1;
            // People type names several ways; the demo does too.
            let ty = if r.is_multiple_of(5) {
                b.ty.name_zh().trim_end_matches('类').to_string()
            } else {
                b.ty.name_zh().to_string()
            };
            let city = if r.is_multiple_of(4) {
                b.city.as_str().trim_end_matches('市').to_string()
            } else {
                b.city.as_str().to_string()
            };
            let date = if r.is_multiple_of(3) {
                format!(
                    "{}年{}月{}日",
                    b.recognised.year(),
                    b.recognised.month(),
                    b.recognised.day()
                )
            } else {
                b.recognised.to_string()
            };
            let cells = [
                b.code.as_str(),
                &b.name,
                &ty,
                &b.host,
                &b.credit,
                b.channel.name_zh(),
                &b.unit,
                &city,
                &date,
                &b.email,
            ];
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(r, c as u16, *v).map_err(xlsx)?;
            }
        }
        wb.save(path).map_err(xlsx)?;
        Ok(path.to_path_buf())
    }

    fn counts_csv(&self, year: i32) -> String {
        let mut s = String::from("基地编号,年度,截至日期");
        for i in Indicator::ALL {
            s.push_str(&format!(",\"{}\"", i.header_zh().replace('"', "\"\"")));
        }
        s.push('\n');
        let as_of = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(self.today)
            .min(self.today);
        for b in &self.bases {
            if matches!(b.source, Source::Records) {
                continue;
            }
            let Some((_, _, values)) = b.years.iter().find(|(y, _, _)| *y == year) else {
                continue;
            };
            s.push_str(&format!("{},{year},{as_of}", b.code));
            for i in Indicator::ALL {
                s.push(',');
                if let Some((_, Some(v))) = values.iter().find(|(x, _)| *x == i) {
                    s.push_str(&v.to_string());
                }
            }
            s.push('\n');
        }
        s
    }

    fn records_csv(&self, year: i32) -> String {
        let mut s = String::from("基地编号,指标,日期,数量,标题,佐证链接,外部编号\n");
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(self.today);
        let end = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(self.today)
            .min(self.today);
        let span = (end - start).num_days().max(0) as u64;
        let mut rng = Rng(0x5245_4344 ^ year as u64);
        for b in &self.bases {
            if matches!(b.source, Source::Declared) {
                continue;
            }
            let Some((_, _, values)) = b.years.iter().find(|(y, _, _)| *y == year) else {
                continue;
            };
            let short = b.city.as_str().trim_end_matches('市');
            for (ind, v) in values {
                let Some(mut left) = *v else { continue };
                if b.source == Source::BothDisagree && *ind == Indicator::PlatformUploads {
                    left = left.saturating_sub(3);
                }
                let mut k = 0;
                while left > 0 {
                    k += 1;
                    let q = if *ind == Indicator::PlatformUploads {
                        (1 + rng.below(4) as u32).min(left)
                    } else {
                        1
                    };
                    left -= q;
                    let day = start + Days::new(rng.below(span + 1));
                    let title = match ind {
                        Indicator::PlatformUploads => {
                            format!("向“科创中国”平台上传专家、成果、难题信息（第{k}批）")
                        }
                        Indicator::VolunteerServices => {
                            format!("“百会链千企”科技志愿服务走进{short}企业（第{k}次）")
                        }
                        Indicator::KeyActivities => format!("科技成果转化对接活动（第{k}项）"),
                        Indicator::IncubatedProjects => format!("孵化科技创新创业项目（第{k}项）"),
                        Indicator::RoadshowEvents => {
                            format!("项目路演暨产学研金融合活动（第{k}次）")
                        }
                        Indicator::OverseasTalents => format!("柔性引进海外专家（第{k}人）"),
                        Indicator::InternationalExchanges => format!("国际交流合作活动（第{k}次）"),
                    };
                    let q_cell = if q == 1 && k % 2 == 0 {
                        String::new()
                    } else {
                        q.to_string()
                    };
                    s.push_str(&format!(
                        "{},{},{day},{q_cell},{title},https://kczg.example.org/{}/{}/{year}-{k},{}-{}-{year}-{k}\n",
                        b.code,
                        if k % 3 == 0 { ind.name_zh().replace('"', "") } else { ind.id().to_string() },
                        b.code,
                        ind.id(),
                        b.code,
                        ind.id()
                    ));
                }
            }
        }
        s
    }
}

pub(crate) fn credit_code(rng: &mut Rng, n: usize) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut first = format!("9141{:04}", 100 + n);
    while first.len() < 17 {
        first.push(CHARS[rng.below(31) as usize] as char);
    }
    CreditCode::with_check_char(&first)
        .map(|c| c.as_str().to_string())
        .unwrap_or_default()
}

fn write_text(path: &Path, text: &str, gbk: bool) -> AppResult<()> {
    let bytes = if gbk {
        encoding_rs::GB18030.encode(text).0.into_owned()
    } else {
        let mut v = b"\xEF\xBB\xBF".to_vec();
        v.extend_from_slice(text.as_bytes());
        v
    };
    std::fs::write(path, bytes).map_err(|e| AppError::io(path, e))
}
