//! Test-only: a tiny serde serializer that renders a scalar as text, so the
//! domain tests can check serialized forms without a format crate.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

#[derive(Debug)]
pub struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Renders a string, integer or unit variant; anything else is `Unsupported`.
pub fn to_plain<T: Serialize + ?Sized>(value: &T) -> Result<String, Unsupported> {
    value.serialize(Plain)
}

struct Plain;

fn unsupported(what: &str) -> Unsupported {
    Unsupported(format!("{what} is not a scalar"))
}

impl ser::Serializer for Plain {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = Impossible<String, Unsupported>;
    type SerializeTuple = Impossible<String, Unsupported>;
    type SerializeTupleStruct = Impossible<String, Unsupported>;
    type SerializeTupleVariant = Impossible<String, Unsupported>;
    type SerializeMap = Impossible<String, Unsupported>;
    type SerializeStruct = Impossible<String, Unsupported>;
    type SerializeStructVariant = Impossible<String, Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_f64(self, v: f64) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Unsupported> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<String, Unsupported> {
        Err(unsupported("none"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Unsupported> {
        Err(unsupported("some"))
    }
    fn serialize_unit(self) -> Result<String, Unsupported> {
        Err(unsupported("unit"))
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<String, Unsupported> {
        Err(unsupported(name))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Unsupported> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Unsupported> {
        Err(unsupported(name))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(unsupported("seq"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(unsupported("tuple"))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(unsupported(name))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(unsupported(name))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(unsupported("map"))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(unsupported(name))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(unsupported(name))
    }
}

/// Deserializes `T` from a plain string, as a text format would hand it over.
pub fn from_str<'de, T: serde::Deserialize<'de>>(
    s: &'de str,
) -> Result<T, serde::de::value::Error> {
    use serde::de::IntoDeserializer;
    T::deserialize(s.into_deserializer())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_render_as_text() {
        assert_eq!(to_plain("abc").unwrap(), "abc");
        assert_eq!(to_plain(&2024i32).unwrap(), "2024");
    }

    #[test]
    fn compound_values_are_unsupported() {
        assert!(to_plain(&vec![1, 2]).is_err());
    }
}
