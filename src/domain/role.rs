//! Who an account is: province staff, a recommending unit or a base.

use super::error::DomainError;

/// The three kinds of users.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 省科协: every base.
    Province,
    /// 推荐单位: the bases it recommended.
    Recommender,
    /// 基地: its own base.
    Base,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Province, Role::Recommender, Role::Base];

    pub fn id(self) -> &'static str {
        match self {
            Role::Province => "province",
            Role::Recommender => "recommender",
            Role::Base => "base",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Province => "省科协",
            Role::Recommender => "推荐单位",
            Role::Base => "基地",
        }
    }
    /// Accepts the code or the Chinese name.
    pub fn parse(s: &str) -> Result<Role, DomainError> {
        match s.trim() {
            "province" | "省科协" => Ok(Role::Province),
            "recommender" | "推荐单位" => Ok(Role::Recommender),
            "base" | "基地" => Ok(Role::Base),
            other => Err(DomainError::UnknownRole(other.to_string())),
        }
    }
}

crate::coded!(Role => "角色 (role)");
