//! Credential levels of the career ladder and the education levels the exam rules use.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Social-work credential level, lowest first, so `Ord` follows the ladder:
/// 社工员 < 助理社会工作师 < 社会工作师 < 高级社会工作师.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 社工员: local entry level (e.g. Chengdu's own exam).
    Aide,
    /// 助理社会工作师: national assistant level (初级).
    Assistant,
    /// 社会工作师: national intermediate level (中级).
    Intermediate,
    /// 高级社会工作师: senior level (副高级).
    Senior,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [
        Level::Aide,
        Level::Assistant,
        Level::Intermediate,
        Level::Senior,
    ];

    /// Stable code used in JSON and data files.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Aide => "aide",
            Self::Assistant => "assistant",
            Self::Intermediate => "intermediate",
            Self::Senior => "senior",
        }
    }

    /// Chinese title.
    pub fn zh(&self) -> &'static str {
        match self {
            Self::Aide => "社工员",
            Self::Assistant => "助理社会工作师",
            Self::Intermediate => "社会工作师",
            Self::Senior => "高级社会工作师",
        }
    }

    /// English title.
    pub fn en(&self) -> &'static str {
        match self {
            Self::Aide => "social work aide",
            Self::Assistant => "assistant social worker",
            Self::Intermediate => "social worker",
            Self::Senior => "senior social worker",
        }
    }

    /// The level above, if any.
    pub fn next(&self) -> Option<Level> {
        match self {
            Self::Aide => Some(Self::Assistant),
            Self::Assistant => Some(Self::Intermediate),
            Self::Intermediate => Some(Self::Senior),
            Self::Senior => None,
        }
    }

    /// Parses a code (`aide`, `assistant`, `intermediate`, `senior`); rule `level.unknown`.
    pub fn parse(input: &str) -> Result<Level, FieldError> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == input.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "level",
                    "level.unknown",
                    "level must be one of aide, assistant, intermediate, senior",
                )
            })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Highest completed education, as the exam rules distinguish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    /// 高中 / 中专: high school or technical secondary school.
    HighSchool,
    /// 大专: junior college.
    College,
    /// 本科: bachelor.
    Bachelor,
    /// 硕士: master.
    Master,
    /// 博士: doctorate.
    Doctorate,
}

/// A worker's education: level and whether the major was social work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Education {
    /// Highest completed level.
    pub level: EducationLevel,
    /// Whether that degree is in social work (社会工作专业).
    pub social_work_major: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_order() {
        assert!(Level::Aide < Level::Assistant);
        assert!(Level::Assistant < Level::Intermediate);
        assert!(Level::Intermediate < Level::Senior);
        assert_eq!(Level::Intermediate.next(), Some(Level::Senior));
        assert_eq!(Level::parse("senior").unwrap(), Level::Senior);
        assert_eq!(Level::parse("master").unwrap_err().rule, "level.unknown");
        assert_eq!(
            serde_json::to_string(&Level::Assistant).unwrap(),
            "\"assistant\""
        );
        assert!(serde_json::from_str::<Level>("\"expert\"").is_err());
    }
}
