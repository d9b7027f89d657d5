//! JSON: an array of objects, streamed.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::*;

pub(super) fn read_json(path: &Path, sink: &mut dyn Sink) -> std::io::Result<()> {
    let file = Counting {
        inner: File::open(path)?,
        read: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(256 * 1024, file));
    let result = RowsSeed {
        sink,
        header: Vec::new(),
        n: 0,
    }
    .deserialize(&mut de);
    if let Err(e) = result {
        sink.file_problem(
            "JSON",
            None,
            format!(
                "无法读取 JSON：{e}（应为对象数组）(cannot read the JSON; expected an array of objects)"
            ),
        );
    }
    Ok(())
}

/// Streams the elements of a top-level JSON array of objects into the sink.
pub(super) struct RowsSeed<'a> {
    sink: &'a mut dyn Sink,
    header: Vec<String>,
    n: u64,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(obj) =
            seq.next_element::<Option<serde_json::Map<String, serde_json::Value>>>()?
        {
            self.n += 1;
            let Some(obj) = obj else {
                self.sink.file_problem(
                    "JSON",
                    Some(self.n),
                    "数组元素应为对象 (element is not an object)".into(),
                );
                continue;
            };
            if self.n == 1 {
                self.header = obj.keys().cloned().collect();
                self.sink.header("JSON", 0, &self.header);
            }
            let mut cells = vec![String::new(); self.header.len()];
            for (k, v) in obj {
                let text = match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                match self.header.iter().position(|h| *h == k) {
                    Some(i) => cells[i] = text,
                    None => self.sink.file_problem(
                        "JSON",
                        Some(self.n),
                        format!("字段“{k}”不在第一个对象中 (key not in the first object)"),
                    ),
                }
            }
            self.sink.row(self.n, &cells);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Err(serde::de::Error::custom(
            "顶层应为数组 (the top level must be an array)",
        ))
    }
}
