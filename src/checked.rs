//! Parameters checked once (linfa's `ParamGuard` manner): checking a parameter set
//! returns a [`Checked`] value of it, and everything downstream takes only that type, so
//! nothing re-checks. A [`Checked`] value is made in one of three ways, each a check:
//! [`Checked::new`] (the rules of [`Check`]), deserialising (a file's values are checked as
//! they are read), or as a part of a checked whole (the whole's check covers its parts).

use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Result;

/// The rules of a parameter set: an error names the parameter by its key in the parameter
/// file (`selection.test_size`) and says what was expected.
pub trait Check {
    /// Checks every value against its domain.
    fn check(&self) -> Result<()>;
}

/// A parameter set that passed its [`Check`]; read it through `Deref`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Checked<T>(T);

impl<T: Check> Checked<T> {
    /// Checks `value`: the one way a hand-made parameter set becomes usable.
    pub fn new(value: T) -> Result<Checked<T>> {
        value.check()?;
        Ok(Checked(value))
    }
}

impl<T> Checked<T> {
    /// The parameter set, to change it (and check it again with [`Checked::new`]).
    pub fn into_inner(self) -> T {
        self.0
    }

    /// A part of a checked whole: the whole's check covered it.
    pub(crate) fn part(value: T) -> Checked<T> {
        Checked(value)
    }
}

impl<T: Check + Default> Default for Checked<T> {
    /// The documented defaults (every type's tests keep them valid).
    fn default() -> Self {
        Checked(T::default())
    }
}

impl<T> Deref for Checked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Check + Deserialize<'de>> Deserialize<'de> for Checked<T> {
    /// Reads the values and checks them: a file's parameters are checked as they are read.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = T::deserialize(d)?;
        value.check().map_err(serde::de::Error::custom)?;
        Ok(Checked(value))
    }
}
