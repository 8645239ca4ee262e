//! Shrinks a program that shows a divergence to a small one that still shows it: drop modules,
//! rules, `else` branches and body literals; replace terms by their parts; prune input and data.

use serde_json::Value as Json;

use super::gen::{Expr, Head, Lit, Program};

/// Tries that a shrink may spend (each costs one evaluation on both sides).
const MAX_TRIES: usize = 1500;

/// Greedy: apply the first simplification that keeps `still` true, repeat until none does.
pub fn shrink(p: &Program, still: &mut dyn FnMut(&Program) -> bool) -> Program {
    let mut best = p.clone();
    let mut tries = 0;
    loop {
        let mut progress = false;
        let mut k = 0;
        while let Some(c) = candidate(&best, k) {
            if tries >= MAX_TRIES {
                return best;
            }
            tries += 1;
            if still(&c) {
                best = c;
                progress = true;
                // Same index again: the next candidate moved into this slot.
            } else {
                k += 1;
            }
        }
        if !progress {
            return best;
        }
    }
}

/// The `k`-th simplification of `p`, if there are that many.
pub fn candidate(p: &Program, k: usize) -> Option<Program> {
    let mut c = p.clone();
    let mut n = k;
    // Whole modules, then whole rules, then `else` branches.
    let modules = if c.modules.len() > 1 {
        c.modules.len()
    } else {
        0
    };
    if n < modules {
        c.modules.remove(n);
        return Some(c);
    }
    n -= modules;
    for m in &mut c.modules {
        if n < m.rules.len() {
            m.rules.remove(n);
            return Some(c);
        }
        n -= m.rules.len();
    }
    for m in &mut c.modules {
        for r in &mut m.rules {
            if n < r.elses.len() {
                r.elses.remove(n);
                return Some(c);
            }
            n -= r.elses.len();
        }
    }
    // Then any node of any rule.
    let mut edit = Edit { n, done: false };
    for m in &mut c.modules {
        for r in &mut m.rules {
            edit.lits(&mut r.body);
            match &mut r.head {
                Head::Complete(_, e) | Head::Contains(_, e) | Head::Func(_, _, e) => edit.expr(e),
                Head::Entry(_, a, b) => {
                    edit.expr(a);
                    edit.expr(b);
                }
                Head::Default(..) => {}
            }
            for (v, b) in &mut r.elses {
                edit.expr(v);
                edit.lits(b);
            }
        }
    }
    edit.json(&mut c.input);
    edit.json(&mut c.data);
    edit.done.then_some(c)
}

/// Walks the program in a fixed order, counting down alternatives; applies the `n`-th.
struct Edit {
    n: usize,
    done: bool,
}

impl Edit {
    /// Offers `count` alternatives here; returns which one to apply, if this is the place.
    fn offer(&mut self, count: usize) -> Option<usize> {
        if self.done {
            return None;
        }
        if self.n < count {
            self.done = true;
            Some(self.n)
        } else {
            self.n -= count;
            None
        }
    }

    fn lits(&mut self, lits: &mut Vec<Lit>) {
        if let Some(i) = self.offer(lits.len()) {
            lits.remove(i);
            return;
        }
        for l in lits.iter_mut() {
            self.lit(l);
        }
    }

    fn lit(&mut self, l: &mut Lit) {
        // Unwrap `not` and `with`, or drop one `with`.
        let alts: Vec<Lit> = match l {
            Lit::Not(inner) => vec![(**inner).clone()],
            Lit::With(inner, ws) => {
                let mut v = vec![(**inner).clone()];
                if ws.len() > 1 {
                    for i in 0..ws.len() {
                        let mut w = ws.clone();
                        w.remove(i);
                        v.push(Lit::With(inner.clone(), w));
                    }
                }
                v
            }
            _ => vec![],
        };
        if let Some(i) = self.offer(alts.len()) {
            *l = alts[i].clone();
            return;
        }
        match l {
            Lit::Expr(e) | Lit::Assign(_, e) | Lit::SomeIn(_, e) => self.expr(e),
            Lit::Cmp(_, a, b) | Lit::In(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Lit::Every(_, e, b) => {
                self.expr(e);
                self.lits(b);
            }
            Lit::Not(inner) => self.lit(inner),
            Lit::With(inner, ws) => {
                self.lit(inner);
                for (_, e) in ws {
                    self.expr(e);
                }
            }
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        let alts = simpler(e);
        if let Some(i) = self.offer(alts.len()) {
            *e = alts[i].clone();
            return;
        }
        match e {
            Expr::Lit(_) | Expr::Var(_) | Expr::Path(_) => {}
            Expr::Array(v) | Expr::Set(v) | Expr::Call(_, v) => {
                for x in v {
                    self.expr(x);
                }
            }
            Expr::Object(kv) => {
                for (k, v) in kv {
                    self.expr(k);
                    self.expr(v);
                }
            }
            Expr::Bin(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::ArrCompr(x, b) | Expr::SetCompr(x, b) => {
                self.expr(x);
                self.lits(b);
            }
            Expr::ObjCompr(k, v, b) => {
                self.expr(k);
                self.expr(v);
                self.lits(b);
            }
        }
    }

    fn json(&mut self, v: &mut Json) {
        match v {
            Json::Array(a) => {
                if let Some(i) = self.offer(a.len()) {
                    a.remove(i);
                    return;
                }
                for x in a {
                    self.json(x);
                }
            }
            Json::Object(o) => {
                let keys: Vec<String> = o.keys().cloned().collect();
                if let Some(i) = self.offer(keys.len()) {
                    o.remove(&keys[i]);
                    return;
                }
                for x in o.values_mut() {
                    self.json(x);
                }
            }
            _ => {}
        }
    }
}

/// Smaller terms that might stand for `e`: its parts, and collections with one item fewer.
fn simpler(e: &Expr) -> Vec<Expr> {
    let drop_one = |v: &Vec<Expr>, mk: fn(Vec<Expr>) -> Expr| -> Vec<Expr> {
        (0..v.len())
            .map(|i| {
                let mut w = v.clone();
                w.remove(i);
                mk(w)
            })
            .collect()
    };
    match e {
        Expr::Lit(_) | Expr::Var(_) | Expr::Path(_) => vec![],
        Expr::Bin(_, a, b) => vec![(**a).clone(), (**b).clone()],
        Expr::Call(_, args) => args.clone(),
        Expr::Array(v) => drop_one(v, Expr::Array),
        Expr::Set(v) => drop_one(v, Expr::Set),
        Expr::Object(kv) => (0..kv.len())
            .map(|i| {
                let mut w = kv.clone();
                w.remove(i);
                Expr::Object(w)
            })
            .collect(),
        Expr::ArrCompr(x, _) | Expr::SetCompr(x, _) => vec![(**x).clone()],
        Expr::ObjCompr(_, v, _) => vec![(**v).clone()],
    }
}
