use super::*;

fn check(q: &str) -> Result<(), String> {
    check_prebinding(
        &SparqlParser::new().parse_query(q).unwrap(),
        &PRE_BOUND[..3],
    )
}

#[test]
fn forbidden_syntax_under_prebinding() {
    assert!(check("SELECT $this WHERE { $this ?p ?o }").is_ok());
    assert!(check("SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }").is_err());
    assert!(check("SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }").is_err());
    assert!(check("SELECT $this WHERE { BIND (1 AS $this) }").is_err());
    assert!(check("SELECT $this WHERE { { SELECT ?x WHERE { ?x ?p ?o } } }").is_err());
    assert!(check("SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }").is_ok());
    assert!(check("SELECT $this WHERE { { SELECT * WHERE { FILTER ($this = 1) } } }").is_err());
}

use oxigraph::model::Literal;

#[test]
fn messages_take_the_solutions_values() {
    let get = |v: &str| (v == "value").then(|| Literal::from(3).into());
    let focus = Term::from(NamedNode::new_unchecked("http://x/a"));
    assert_eq!(
        interpolate("{?value} at {$this}, {?none}", get, &focus),
        "3 at http://x/a, {?none}"
    );
}

#[test]
fn one_evaluation_for_all_focus_nodes_only_where_it_is_exact() {
    let whole = |q: &str| binds_this(&SparqlParser::new().parse_query(q).unwrap());
    assert!(whole(
        "SELECT $this WHERE { $this <http://x/p> ?o FILTER (?o != $this) }"
    ));
    assert!(whole(
        "SELECT $this WHERE { { $this <http://x/p> ?o } UNION { $this <http://x/q> ?o } }"
    ));
    assert!(!whole(
        "SELECT $this WHERE { ?s <http://x/p> ?o FILTER (?o = $this) }"
    ));
    assert!(!whole(
        "SELECT $this WHERE { { FILTER (bound($this)) } $this <http://x/p> ?o }"
    ));
    assert!(!whole(
        "SELECT $this WHERE { ?s <http://x/p> ?o OPTIONAL { $this <http://x/q> ?o } }"
    ));
    assert!(!whole(
        "SELECT $this (COUNT(*) AS ?n) WHERE { $this <http://x/p> ?o } GROUP BY $this"
    ));
}

#[test]
fn queries_name_their_variables() {
    let q = SparqlParser::new()
        .parse_query("SELECT $this WHERE { $this ?thisOne ?o }")
        .unwrap();
    assert!(mentions(&q, "this"));
    assert!(!mentions(&q, "currentShape"));
}
