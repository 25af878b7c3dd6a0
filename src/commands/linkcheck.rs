//! `orgdir linkcheck`: load the data, then check every website it names.

use std::io::Write;

use crate::error::Error;
use crate::linkcheck::{self, LinkcheckOptions};
use crate::source;

pub fn run(options: &LinkcheckOptions, stdout: &mut impl Write) -> Result<u8, Error> {
    let source = source::load(&options.data, options.limits)?;
    Ok(linkcheck::run(options, source, stdout)?)
}
