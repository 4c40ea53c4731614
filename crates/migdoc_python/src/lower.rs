//! The one module that knows ruff's AST: it lowers ruff's tree into migdoc's (`crate::ast`).
//! Upgrading the parser touches this file and `lib.rs` only.

use ruff_python_ast as r;
use ruff_text_size::Ranged;

use crate::ast::{
    Alias, BinOp, BoolOp, ClassDef, CmpOp, ExceptHandler, Expr, FStringPart, FunctionDef,
    Generator, Keyword, Param, ParamKind, Stmt, StrLayout, TextRange, UnaryOp, WithItem,
};

pub(crate) struct Lowerer<'src> {
    pub(crate) source: &'src str,
}

fn range(node: &impl Ranged) -> TextRange {
    let r = node.range();
    TextRange::new(r.start().to_u32(), r.end().to_u32())
}

impl Lowerer<'_> {
    pub(crate) fn suite(&self, body: &[r::Stmt]) -> Vec<Stmt> {
        body.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&self, stmt: &r::Stmt) -> Stmt {
        let rg = range(stmt);
        match stmt {
            r::Stmt::Assign(s) => Stmt::Assign {
                targets: s.targets.iter().map(|t| self.expr(t)).collect(),
                value: self.expr(&s.value),
                range: rg,
            },
            r::Stmt::AnnAssign(s) => Stmt::AnnAssign {
                target: self.expr(&s.target),
                annotation: self.expr(&s.annotation),
                value: s.value.as_deref().map(|v| self.expr(v)),
                range: rg,
            },
            r::Stmt::AugAssign(s) => Stmt::AugAssign {
                target: self.expr(&s.target),
                op: bin_op(s.op),
                value: self.expr(&s.value),
                range: rg,
            },
            r::Stmt::Delete(s) => Stmt::Delete {
                targets: s.targets.iter().map(|t| self.expr(t)).collect(),
                range: rg,
            },
            r::Stmt::Expr(s) => Stmt::Expr {
                value: self.expr(&s.value),
                range: rg,
            },
            r::Stmt::FunctionDef(f) => Stmt::FunctionDef(Box::new(FunctionDef {
                name: f.name.id.to_string(),
                params: self.params(&f.parameters),
                decorators: f
                    .decorator_list
                    .iter()
                    .map(|d| self.expr(&d.expression))
                    .collect(),
                body: self.suite(&f.body),
                is_generator: has_yield(&f.body),
                is_async: f.is_async,
                range: rg,
            })),
            r::Stmt::ClassDef(c) => {
                let (bases, keywords) = match c.arguments.as_deref() {
                    Some(args) => (
                        args.args.iter().map(|a| self.expr(a)).collect(),
                        args.keywords.iter().map(|k| self.keyword(k)).collect(),
                    ),
                    None => (Vec::new(), Vec::new()),
                };
                Stmt::ClassDef(Box::new(ClassDef {
                    name: c.name.id.to_string(),
                    bases,
                    keywords,
                    decorators: c
                        .decorator_list
                        .iter()
                        .map(|d| self.expr(&d.expression))
                        .collect(),
                    body: self.suite(&c.body),
                    range: rg,
                }))
            }
            r::Stmt::If(s) => {
                // Lower `elif`/`else` clauses from the last one backwards into nested ifs.
                let mut orelse = Vec::new();
                for clause in s.elif_else_clauses.iter().rev() {
                    let body = self.suite(&clause.body);
                    orelse = match &clause.test {
                        Some(test) => vec![Stmt::If {
                            test: self.expr(test),
                            body,
                            orelse,
                            range: range(clause),
                        }],
                        None => body,
                    };
                }
                Stmt::If {
                    test: self.expr(&s.test),
                    body: self.suite(&s.body),
                    orelse,
                    range: rg,
                }
            }
            r::Stmt::For(s) => Stmt::For {
                target: self.expr(&s.target),
                iter: self.expr(&s.iter),
                body: self.suite(&s.body),
                orelse: self.suite(&s.orelse),
                range: rg,
            },
            r::Stmt::While(s) => Stmt::While {
                test: self.expr(&s.test),
                body: self.suite(&s.body),
                orelse: self.suite(&s.orelse),
                range: rg,
            },
            r::Stmt::With(s) => Stmt::With {
                items: s
                    .items
                    .iter()
                    .map(|i| WithItem {
                        context: self.expr(&i.context_expr),
                        target: i.optional_vars.as_deref().map(|t| self.expr(t)),
                    })
                    .collect(),
                body: self.suite(&s.body),
                range: rg,
            },
            r::Stmt::Try(s) => Stmt::Try {
                body: self.suite(&s.body),
                handlers: s
                    .handlers
                    .iter()
                    .map(|h| {
                        let r::ExceptHandler::ExceptHandler(h) = h;
                        ExceptHandler {
                            type_: h.type_.as_deref().map(|t| self.expr(t)),
                            name: h.name.as_ref().map(|n| n.id.to_string()),
                            body: self.suite(&h.body),
                            range: range(h),
                        }
                    })
                    .collect(),
                orelse: self.suite(&s.orelse),
                finalbody: self.suite(&s.finalbody),
                range: rg,
            },
            r::Stmt::Return(s) => Stmt::Return {
                value: s.value.as_deref().map(|v| self.expr(v)),
                range: rg,
            },
            r::Stmt::Raise(_) => Stmt::Raise { range: rg },
            r::Stmt::Import(s) => Stmt::Import {
                names: s.names.iter().map(alias).collect(),
                range: rg,
            },
            r::Stmt::ImportFrom(s) => Stmt::ImportFrom {
                module: s.module.as_ref().map(|m| m.id.to_string()),
                level: s.level,
                names: s.names.iter().map(alias).collect(),
                range: rg,
            },
            r::Stmt::Pass(_) => Stmt::Pass { range: rg },
            r::Stmt::Break(_) => Stmt::Break { range: rg },
            r::Stmt::Continue(_) => Stmt::Continue { range: rg },
            _ => Stmt::Other { range: rg },
        }
    }

    fn params(&self, p: &r::Parameters) -> Vec<Param> {
        let positional = p
            .posonlyargs
            .iter()
            .chain(&p.args)
            .map(|a| (a, ParamKind::Positional));
        let keyword_only = p.kwonlyargs.iter().map(|a| (a, ParamKind::KeywordOnly));
        let plain = positional.chain(keyword_only).map(|(a, kind)| Param {
            name: a.parameter.name.id.to_string(),
            default: a.default.as_deref().map(|d| self.expr(d)),
            variadic: false,
            kind,
        });
        let variadic = p
            .vararg
            .iter()
            .map(|a| (a, ParamKind::VarArgs))
            .chain(p.kwarg.iter().map(|a| (a, ParamKind::VarKeywords)))
            .map(|(a, kind)| Param {
                name: a.name.id.to_string(),
                default: None,
                variadic: true,
                kind,
            });
        plain.chain(variadic).collect()
    }

    fn keyword(&self, k: &r::Keyword) -> Keyword {
        Keyword {
            arg: k.arg.as_ref().map(|a| a.id.to_string()),
            value: self.expr(&k.value),
        }
    }

    fn exprs(&self, exprs: &[r::Expr]) -> Vec<Expr> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn boxed(&self, e: &r::Expr) -> Box<Expr> {
        Box::new(self.expr(e))
    }

    #[allow(clippy::too_many_lines)]
    fn expr(&self, expr: &r::Expr) -> Expr {
        let rg = range(expr);
        match expr {
            r::Expr::Name(n) => Expr::Name {
                id: n.id.to_string(),
                range: rg,
            },
            r::Expr::Attribute(a) => Expr::Attribute {
                value: self.boxed(&a.value),
                attr: a.attr.id.to_string(),
                range: rg,
            },
            r::Expr::Call(c) => Expr::Call {
                func: self.boxed(&c.func),
                args: self.exprs(&c.arguments.args),
                keywords: c
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| self.keyword(k))
                    .collect(),
                range: rg,
            },
            r::Expr::StringLiteral(s) => Expr::Str {
                value: s.value.to_str().to_owned(),
                layout: self.str_layout(s),
                range: rg,
            },
            r::Expr::FString(f) => Expr::FString {
                parts: self.fstring_parts(&f.value),
                range: rg,
            },
            r::Expr::BytesLiteral(_) => Expr::Bytes { range: rg },
            r::Expr::NumberLiteral(n) => match &n.value {
                r::Number::Int(i) => Expr::Int {
                    value: i.as_i64(),
                    range: rg,
                },
                r::Number::Float(f) => Expr::Float {
                    value: *f,
                    range: rg,
                },
                r::Number::Complex { .. } => Expr::Other { range: rg },
            },
            r::Expr::BooleanLiteral(b) => Expr::Bool {
                value: b.value,
                range: rg,
            },
            r::Expr::NoneLiteral(_) => Expr::NoneLiteral { range: rg },
            r::Expr::EllipsisLiteral(_) => Expr::Ellipsis { range: rg },
            r::Expr::Tuple(t) => Expr::Tuple {
                elts: self.exprs(&t.elts),
                range: rg,
            },
            r::Expr::List(l) => Expr::List {
                elts: self.exprs(&l.elts),
                range: rg,
            },
            r::Expr::Set(s) => Expr::Set {
                elts: self.exprs(&s.elts),
                range: rg,
            },
            r::Expr::Dict(d) => Expr::Dict {
                items: d
                    .items
                    .iter()
                    .map(|i| (i.key.as_ref().map(|k| self.expr(k)), self.expr(&i.value)))
                    .collect(),
                range: rg,
            },
            r::Expr::BinOp(b) => Expr::BinOp {
                left: self.boxed(&b.left),
                op: bin_op(b.op),
                right: self.boxed(&b.right),
                range: rg,
            },
            r::Expr::UnaryOp(u) => Expr::UnaryOp {
                op: match u.op {
                    r::UnaryOp::Not => UnaryOp::Not,
                    r::UnaryOp::USub => UnaryOp::Neg,
                    r::UnaryOp::UAdd => UnaryOp::Pos,
                    r::UnaryOp::Invert => UnaryOp::Invert,
                },
                operand: self.boxed(&u.operand),
                range: rg,
            },
            r::Expr::BoolOp(b) => Expr::BoolOp {
                op: match b.op {
                    r::BoolOp::And => BoolOp::And,
                    r::BoolOp::Or => BoolOp::Or,
                },
                values: self.exprs(&b.values),
                range: rg,
            },
            r::Expr::Compare(c) => Expr::Compare {
                left: self.boxed(&c.left),
                ops: c.ops.iter().map(|o| cmp_op(*o)).collect(),
                comparators: self.exprs(&c.comparators),
                range: rg,
            },
            r::Expr::Subscript(s) => Expr::Subscript {
                value: self.boxed(&s.value),
                slice: self.boxed(&s.slice),
                range: rg,
            },
            r::Expr::Slice(sl) => Expr::Slice {
                lower: sl.lower.as_deref().map(|e| self.boxed(e)),
                upper: sl.upper.as_deref().map(|e| self.boxed(e)),
                step: sl.step.as_deref().map(|e| self.boxed(e)),
                range: rg,
            },
            r::Expr::If(i) => Expr::IfExp {
                test: self.boxed(&i.test),
                body: self.boxed(&i.body),
                orelse: self.boxed(&i.orelse),
                range: rg,
            },
            r::Expr::Lambda(l) => Expr::Lambda {
                params: l
                    .parameters
                    .as_deref()
                    .map(|p| self.params(p))
                    .unwrap_or_default(),
                body: self.boxed(&l.body),
                range: rg,
            },
            r::Expr::Starred(s) => Expr::Starred {
                value: self.boxed(&s.value),
                range: rg,
            },
            r::Expr::ListComp(c) => self.comprehension(None, &c.elt, &c.generators, rg),
            r::Expr::SetComp(c) => self.comprehension(None, &c.elt, &c.generators, rg),
            r::Expr::Generator(c) => self.comprehension(None, &c.elt, &c.generators, rg),
            r::Expr::DictComp(c) => {
                self.comprehension(c.key.as_deref(), &c.value, &c.generators, rg)
            }
            r::Expr::Named(n) => Expr::Walrus {
                target: self.boxed(&n.target),
                value: self.boxed(&n.value),
                range: rg,
            },
            _ => Expr::Other { range: rg },
        }
    }

    fn comprehension(
        &self,
        key: Option<&r::Expr>,
        elt: &r::Expr,
        generators: &[r::Comprehension],
        range: TextRange,
    ) -> Expr {
        Expr::Comprehension {
            key: key.map(|k| self.boxed(k)),
            elt: self.boxed(elt),
            generators: generators
                .iter()
                .map(|g| Generator {
                    target: self.expr(&g.target),
                    iter: self.expr(&g.iter),
                    ifs: self.exprs(&g.ifs),
                })
                .collect(),
            range,
        }
    }

    fn fstring_parts(&self, value: &r::FStringValue) -> Vec<FStringPart> {
        let mut parts = Vec::new();
        for part in value {
            match part {
                r::FStringPart::Literal(lit) => {
                    parts.push(FStringPart::Literal(lit.value.to_string()))
                }
                r::FStringPart::FString(f) => {
                    for element in &f.elements {
                        match element {
                            r::InterpolatedStringElement::Literal(lit) => {
                                parts.push(FStringPart::Literal(lit.value.to_string()));
                            }
                            r::InterpolatedStringElement::Interpolation(i) => {
                                parts.push(FStringPart::Interpolation {
                                    expr: self.expr(&i.expression),
                                    conversion: match i.conversion {
                                        r::ConversionFlag::None => None,
                                        r::ConversionFlag::Str => Some('s'),
                                        r::ConversionFlag::Repr => Some('r'),
                                        r::ConversionFlag::Ascii => Some('a'),
                                    },
                                    has_format_spec: i.format_spec.is_some(),
                                    format_spec: i.format_spec.as_ref().and_then(|spec| {
                                        spec.elements
                                            .iter()
                                            .map(|e| match e {
                                                r::InterpolatedStringElement::Literal(l) => {
                                                    Some(l.value.to_string())
                                                }
                                                r::InterpolatedStringElement::Interpolation(_) => {
                                                    None
                                                }
                                            })
                                            .collect::<Option<String>>()
                                    }),
                                });
                            }
                        }
                    }
                }
            }
        }
        parts
    }

    /// A string's value maps 1:1 onto its source when it is one part whose source text between the
    /// quotes is exactly the value (no escapes, no line continuations).
    fn str_layout(&self, s: &r::ExprStringLiteral) -> StrLayout {
        let none = StrLayout {
            content_start: None,
        };
        let mut parts = s.value.iter();
        let (Some(part), None) = (parts.next(), parts.next()) else {
            return none;
        };
        let start = part.range.start().to_usize();
        let Some(text) = self.source.get(start..part.range.end().to_usize()) else {
            return none;
        };
        let prefix = text.find(['"', '\'']).unwrap_or(0);
        let rest = &text[prefix..];
        let quote = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            3
        } else {
            1
        };
        let content_start = start + prefix + quote;
        let value: &str = &part.value;
        match self.source.get(content_start..content_start + value.len()) {
            Some(raw) if raw == value => StrLayout {
                content_start: u32::try_from(content_start).ok(),
            },
            _ => none,
        }
    }
}

fn alias(a: &r::Alias) -> Alias {
    Alias {
        name: a.name.id.to_string(),
        asname: a.asname.as_ref().map(|n| n.id.to_string()),
    }
}

fn bin_op(op: r::Operator) -> BinOp {
    match op {
        r::Operator::Add => BinOp::Add,
        r::Operator::Sub => BinOp::Sub,
        r::Operator::Mult => BinOp::Mult,
        r::Operator::MatMult => BinOp::MatMult,
        r::Operator::Div => BinOp::Div,
        r::Operator::Mod => BinOp::Mod,
        r::Operator::Pow => BinOp::Pow,
        r::Operator::LShift => BinOp::LShift,
        r::Operator::RShift => BinOp::RShift,
        r::Operator::BitOr => BinOp::BitOr,
        r::Operator::BitXor => BinOp::BitXor,
        r::Operator::BitAnd => BinOp::BitAnd,
        r::Operator::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmp_op(op: r::CmpOp) -> CmpOp {
    match op {
        r::CmpOp::Eq => CmpOp::Eq,
        r::CmpOp::NotEq => CmpOp::NotEq,
        r::CmpOp::Lt => CmpOp::Lt,
        r::CmpOp::LtE => CmpOp::LtE,
        r::CmpOp::Gt => CmpOp::Gt,
        r::CmpOp::GtE => CmpOp::GtE,
        r::CmpOp::Is => CmpOp::Is,
        r::CmpOp::IsNot => CmpOp::IsNot,
        r::CmpOp::In => CmpOp::In,
        r::CmpOp::NotIn => CmpOp::NotIn,
    }
}

/// Whether `body` yields: a `yield` or `yield from` outside nested functions, classes and lambdas.
fn has_yield(body: &[r::Stmt]) -> bool {
    use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a r::Stmt) {
            if !self.0 && !matches!(stmt, r::Stmt::FunctionDef(_) | r::Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a r::Expr) {
            match expr {
                r::Expr::Yield(_) | r::Expr::YieldFrom(_) => self.0 = true,
                r::Expr::Lambda(_) => {}
                _ if !self.0 => walk_expr(self, expr),
                _ => {}
            }
        }
    }
    let mut finder = Finder(false);
    for stmt in body {
        finder.visit_stmt(stmt);
    }
    finder.0
}
