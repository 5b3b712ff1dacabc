//! Allowance policies and monthly decisions (being written).
