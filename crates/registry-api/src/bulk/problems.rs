//! The problems of one row beyond its cells' own (`csv.*`, see [`super::cells`]): references
//! to nothing stored, conflicts with stored rows, records out of order, and how a row's cell
//! errors and the API's errors of its values merge. Messages are static texts (never a value).

use time::OffsetDateTime;

use crate::problem::ProblemField;

/// The broken rule `rule` of `field`, explained by `message`.
pub fn problem(field: &str, rule: &str, message: &str) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        rule: rule.to_owned(),
        message: message.to_owned(),
    }
}

/// The error for a reference to a row that is not stored.
pub fn unknown_reference(field: &str, what: &str) -> ProblemField {
    let message = format!("no stored {what} has this id");
    problem(field, "import.unknown_reference", &message)
}

/// The error for a row whose key is stored with other values.
pub fn conflict(field: &str, changed: &[&str]) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        rule: "import.conflict".into(),
        message: format!(
            "a stored record has this key with other values ({}); imports never overwrite",
            changed.join(", ")
        ),
    }
}

/// The names of `pairs` whose two sides differ.
pub fn changed<'a>(pairs: &[(&'a str, bool)]) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(_, same)| !same)
        .map(|(n, _)| *n)
        .collect()
}

/// The error for a reference to a row that is neither stored nor on an earlier row of the file.
pub fn unknown_earlier(field: &str, what: &str) -> ProblemField {
    let message = format!("no stored {what} and no earlier row of the file has this id");
    problem(field, "import.unknown_reference", &message)
}

/// `None` when a row recorded at `row` (time, id if given) comes after the `what` it refers
/// to, recorded at `target`, in `(recorded_at, id)` order (the order records are read back);
/// the error on `recorded_at` otherwise.
pub fn recorded_after(
    target: (OffsetDateTime, &str),
    row: (OffsetDateTime, Option<&str>),
    what: &str,
) -> Option<ProblemField> {
    (target >= (row.0, row.1.unwrap_or_default())).then(|| ProblemField {
        field: "recorded_at".into(),
        rule: "import.recorded_before_target".into(),
        message: format!("must come after the {what} it refers to, in (recorded_at, id) order"),
    })
}

/// The error for an integer cell outside its column's range.
pub fn out_of_range(field: &str) -> ProblemField {
    problem(field, "csv.invalid_integer", "out of range")
}

/// The API's `errors`, with the field `from` named `to` (the file's column for it).
pub fn renamed(errors: Vec<ProblemField>, from: &str, to: &str) -> Vec<ProblemField> {
    errors
        .into_iter()
        .map(|mut e| {
            if e.field == from {
                e.field = to.to_owned();
            }
            e
        })
        .collect()
}

/// A row checked by its cells (`errors`) and then by the API (`api`, the API's errors named by
/// the file's columns): the API's value when neither found a problem; otherwise the cells'
/// errors and the API's errors on the other columns (a cell's own error already says what is
/// wrong with it, the API's check of the placeholder put in its place says nothing).
pub fn validated<T>(
    mut errors: Vec<ProblemField>,
    api: Result<T, Vec<ProblemField>>,
) -> Result<T, Vec<ProblemField>> {
    match api {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) => Err(errors),
        Err(api) => {
            let failed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
            errors.extend(api.into_iter().filter(|e| !failed.contains(&e.field)));
            Err(errors)
        }
    }
}
