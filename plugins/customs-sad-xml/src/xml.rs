//! A small element tree of an XML document, with the line each element starts on: an arena,
//! so building, querying and dropping it need no recursion whatever the nesting.
//! ASYCUDA writes an absent value as `<Tag><null/></Tag>`; such an element has no value.

use interlock_pdk::prelude::*;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::parse::CODE;

/// Deeper nesting than this is not a declaration; refusing it bounds memory and work.
const MAX_DEPTH: usize = 64;

#[derive(Debug)]
struct Node {
    name: String,
    line: u64,
    text: String,
    /// ASYCUDA's `<null/>` child: the value is absent.
    is_null: bool,
    children: Vec<usize>,
}

#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    pub root: Option<usize>,
}

fn problem(line: u64, field: &str, message: impl Into<String>) -> Diagnostic {
    diagnostic(Severity::Error, line, field, CODE, message)
}

impl Tree {
    /// Reads a whole document; the first problem (not UTF-8, malformed, truncated, too
    /// deep) is returned on its line.
    pub fn read(bytes: &[u8]) -> Result<Tree, Diagnostic> {
        let text = std::str::from_utf8(bytes).map_err(|error| {
            let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
            let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            problem(line, "", "input is not valid UTF-8")
        })?;
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'\n').then_some(i))
            .collect();
        let line_of = |offset: u64| -> u64 {
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
            newlines.partition_point(|n| *n < offset) as u64 + 1
        };
        let mut reader = Reader::from_str(text);
        let mut tree = Tree::default();
        let mut stack: Vec<usize> = Vec::new();
        loop {
            let position = reader.buffer_position();
            let event = reader.read_event().map_err(|error| {
                problem(
                    line_of(reader.error_position()),
                    "",
                    format!("malformed XML: {error}"),
                )
            })?;
            let is_start = matches!(event, Event::Start(_));
            match event {
                Event::Start(start) | Event::Empty(start)
                    if start.local_name().as_ref() == "null" =>
                {
                    if let Some(parent) = stack.last().and_then(|p| tree.nodes.get_mut(*p)) {
                        parent.is_null = true;
                    }
                    if is_start {
                        // A non-empty <null>...</null>: keep the stack balanced.
                        let index = tree.add(&stack, "null", line_of(position))?;
                        stack.push(index);
                    }
                }
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    let index = tree.add(&stack, &name, line_of(position))?;
                    stack.push(index);
                    if stack.len() > MAX_DEPTH {
                        return Err(problem(
                            line_of(position),
                            &name,
                            format!("elements nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                }
                Event::Empty(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    tree.add(&stack, &name, line_of(position))?;
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Text(text) => tree.append(&stack, &text.xml10_content()),
                Event::CData(data) => tree.append(&stack, &data.xml10_content()),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match reference.as_ref() {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "apos" => Some('\''),
                            "quot" => Some('"'),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    let Some(c) = resolved else {
                        return Err(problem(
                            line_of(position),
                            "",
                            format!("unknown entity '&{};'", reference.as_ref()),
                        ));
                    };
                    tree.append(&stack, c.encode_utf8(&mut [0; 4]));
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if let Some(open) = stack.last() {
            return Err(problem(
                tree.line(*open),
                tree.name(*open),
                "element not closed: truncated file",
            ));
        }
        Ok(tree)
    }

    fn add(&mut self, stack: &[usize], name: &str, line: u64) -> Result<usize, Diagnostic> {
        let index = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_owned(),
            line,
            text: String::new(),
            is_null: false,
            children: Vec::new(),
        });
        match stack.last().and_then(|p| self.nodes.get_mut(*p)) {
            Some(parent) => parent.children.push(index),
            None if self.root.is_none() => self.root = Some(index),
            None => return Err(problem(line, name, "a second root element")),
        }
        Ok(index)
    }

    fn append(&mut self, stack: &[usize], text: &str) {
        if let Some(node) = stack.last().and_then(|p| self.nodes.get_mut(*p)) {
            node.text.push_str(text);
        }
    }

    pub fn name(&self, node: usize) -> &str {
        self.nodes.get(node).map_or("", |n| n.name.as_str())
    }

    pub fn line(&self, node: usize) -> u64 {
        self.nodes.get(node).map_or(0, |n| n.line)
    }

    pub fn children_named<'a>(
        &'a self,
        node: usize,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.nodes
            .get(node)
            .map(|n| n.children.as_slice())
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(move |c| self.name(*c) == name)
    }

    /// The first element along a `/`-separated path of child names.
    pub fn find(&self, node: usize, path: &str) -> Option<usize> {
        path.split('/')
            .try_fold(node, |at, name| self.children_named(at, name).next())
    }

    /// Trimmed text at a path; `None` when missing, empty or `<null/>`.
    pub fn value_at(&self, node: usize, path: &str) -> Option<String> {
        let found = self.nodes.get(self.find(node, path)?)?;
        let text = found.text.trim();
        (!found.is_null && !text.is_empty()).then(|| text.to_owned())
    }

    /// The line of the element at `path`, or of `node` when it is missing.
    pub fn line_at(&self, node: usize, path: &str) -> u64 {
        self.line(self.find(node, path).unwrap_or(node))
    }

    /// The text at `path`; when there is none, an error on its line naming the path.
    pub fn required(&self, node: usize, path: &str, out: &mut Translation) -> String {
        self.value_at(node, path).unwrap_or_else(|| {
            out.error(self.line_at(node, path), path, CODE, "required but empty");
            String::new()
        })
    }
}
