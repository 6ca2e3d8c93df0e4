//! `sigmaplay link`: share links for rule-test files, and back.

use crate::{inputs, LinkArgs, Status};
use sigmaplay_ruletest::{decode_link, encode_link, RuleTest};
use std::io::{self, Read, Write};
use std::path::Path;

pub fn run(args: &LinkArgs) -> io::Result<Status> {
    let mut out = io::stdout().lock();
    if let Some(link) = &args.decode {
        let link = if link == "-" {
            let mut s = String::new();
            if let Err(e) = io::stdin().read_to_string(&mut s) {
                eprintln!("sigmaplay: <stdin>: cannot read: {e}");
                return Ok(Status::Errors);
            }
            s
        } else {
            link.clone()
        };
        return match decode_link(&link) {
            Ok(test) => {
                writeln!(out, "{}", test.to_json())?;
                Ok(Status::Ok)
            }
            Err(e) => {
                eprintln!("sigmaplay: {e}");
                Ok(Status::Errors)
            }
        };
    }
    let path = args.file.as_deref().unwrap_or(Path::new("-"));
    let input = match inputs::read(path) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("sigmaplay: {e}");
            return Ok(Status::Errors);
        }
    };
    let test = match RuleTest::from_json(&input.text) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sigmaplay: {}: {e}", input.name);
            return Ok(Status::Errors);
        }
    };
    match encode_link(&test, &args.base) {
        Ok(link) => {
            writeln!(out, "{link}")?;
            Ok(Status::Ok)
        }
        Err(e) => {
            eprintln!("sigmaplay: {}: {e}", input.name);
            Ok(Status::Errors)
        }
    }
}
