//! `/reconcile`: the W3C Reconciliation Service API 0.2 (what OpenRefine
//! 3.x speaks), following the 1.0 draft where the two agree: the manifest,
//! batches of reconciliation queries, preview, suggest for entities, types
//! and properties, and data extension with its property proposals. JSONP
//! (`callback=`) for older clients; CORS comes from the router.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, RawForm, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::resource::local_path;
use super::search::{MAX_QUERY, names};
use crate::search::matching::PROPERTIES;
use crate::search::{Entry, Index, Reconciled};
use crate::store::Snapshot;

/// Queries in one batch at most (the 1.0 draft's `batchSize`).
pub const BATCH: usize = 50;
/// Candidates per query at most.
pub const MAX_LIMIT: usize = 100;
const ORGANIZATION: &str = "http://schema.org/Organization";

/// The properties data extension can add, with their names.
const EXTEND: &[(&str, &str)] = &[
    ("url", "Website"),
    ("alternateName", "Alternate names"),
    ("description", "Description"),
    ("parentOrganization", "Parent organization"),
    ("memberOf", "Member of"),
    ("members", "Members"),
    ("areaServed", "Places served"),
    ("foundingDate", "Founding date"),
    ("dissolutionDate", "Dissolution date"),
    ("sameAs", "Same as"),
    ("category", "Category"),
];

/// The service manifest.
fn manifest(snapshot: &Snapshot, origin: &str) -> Value {
    let service = format!("{origin}/reconcile");
    json!({
        "versions": ["0.2"],
        "name": format!("{} (orgdir)", snapshot.title),
        "identifierSpace": format!("{}org/", snapshot.base),
        "schemaSpace": "http://schema.org/",
        "documentation": format!("{origin}/search"),
        "serviceVersion": env!("CARGO_PKG_VERSION"),
        "batchSize": BATCH,
        "defaultTypes": [{ "id": ORGANIZATION, "name": "Organization" }],
        "view": { "url": format!("{service}/view?id={{{{id}}}}") },
        "preview": {
            "url": format!("{service}/preview?id={{{{id}}}}"),
            "width": 400,
            "height": 160,
        },
        "suggest": {
            "entity": {
                "service_url": service,
                "service_path": "/suggest/entity",
                "flyout_service_path": "/flyout?id=${id}",
            },
            "type": { "service_url": service, "service_path": "/suggest/type" },
            "property": { "service_url": service, "service_path": "/suggest/property" },
        },
        "extend": {
            "propose_properties": { "service_url": service, "service_path": "/properties" },
            "property_settings": [{
                "name": "limit",
                "label": "Limit",
                "type": "number",
                "default": 0,
                "help_text": "Most values per row (0: all of them)",
            }],
        },
    })
}

/// The answer as JSON, or as JSONP when `callback` names a function.
fn answer(value: &Value, callback: Option<&str>) -> Result<Response, ApiError> {
    let Some(callback) = callback.filter(|c| !c.is_empty()) else {
        return Ok(axum::Json(value).into_response());
    };
    let valid = callback.len() <= 128
        && callback.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && callback
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'));
    if !valid {
        return Err(ApiError::BadRequest(
            "callback must be a JavaScript identifier (letters, digits, _, $ and .)".into(),
        ));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        format!("/**/{callback}({value});"),
    )
        .into_response())
}

/// The parameters of a request, from the query string and a form body.
fn params(
    query: &HashMap<String, String>,
    form: &[u8],
) -> Result<HashMap<String, String>, ApiError> {
    let mut all = query.clone();
    if !form.is_empty() {
        let body: Vec<(String, String)> = serde_urlencoded::from_bytes(form)
            .map_err(|e| ApiError::BadRequest(format!("malformed form body: {e}")))?;
        all.extend(body);
    }
    Ok(all)
}

/// `/reconcile`: the manifest, a batch of queries (`queries=`), or a data
/// extension (`extend=`), by GET or POST.
pub async fn service(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    RawForm(form): RawForm,
) -> Result<Response, ApiError> {
    let params = params(&query, &form)?;
    let callback = params.get("callback").map(String::as_str);
    let snapshot = state.snapshot();
    if let Some(queries) = params.get("queries") {
        let batch = parse_batch(queries)?;
        let index = names(&snapshot)?;
        let result = tokio::task::spawn_blocking(move || reconcile_batch(&index, batch))
            .await
            .map_err(|e| ApiError::Internal(format!("reconcile task: {e}")))?;
        return answer(&result, callback);
    }
    if let Some(extend) = params.get("extend") {
        let result = extension(&snapshot, extend)?;
        return answer(&result, callback);
    }
    answer(
        &manifest(&snapshot, &super::client::origin(&state, &headers, &uri)?),
        callback,
    )
}

/// One reconciliation query.
#[derive(Debug, Clone, Deserialize)]
pub struct ReconQuery {
    #[serde(default)]
    pub query: String,
    #[serde(default, rename = "type")]
    pub kind: Option<TypeOrTypes>,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub properties: Vec<PropertyValue>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TypeOrTypes {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Deserialize)]
pub struct PropertyValue {
    pub pid: String,
    pub v: PropertyV,
}

/// A property value: a string, a number, an entity `{id, name}`, or a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PropertyV {
    Text(String),
    Number(serde_json::Number),
    Entity { id: String },
    Many(Vec<PropertyV>),
}

impl PropertyV {
    fn strings(&self, out: &mut Vec<String>) {
        match self {
            PropertyV::Text(s) => out.push(s.clone()),
            PropertyV::Number(n) => out.push(n.to_string()),
            PropertyV::Entity { id } => out.push(id.clone()),
            PropertyV::Many(vs) => vs.iter().for_each(|v| v.strings(out)),
        }
    }
}

/// A batch (`{"q0": {...}, ...}`), at most [`BATCH`] queries.
pub fn parse_batch(text: &str) -> Result<Vec<(String, ReconQuery)>, ApiError> {
    let map: serde_json::Map<String, Value> = serde_json::from_str(text).map_err(|e| {
        ApiError::BadRequest(format!("queries is not a JSON object of queries: {e}"))
    })?;
    if map.len() > BATCH {
        return Err(ApiError::BadRequest(format!(
            "{} queries in one batch: send at most {BATCH}",
            map.len()
        )));
    }
    map.into_iter()
        .map(|(key, value)| {
            let query: ReconQuery = serde_json::from_value(value)
                .map_err(|e| ApiError::BadRequest(format!("query {key}: {e}")))?;
            if query.query.chars().count() > MAX_QUERY {
                return Err(ApiError::BadRequest(format!(
                    "query {key} is longer than {MAX_QUERY} characters"
                )));
            }
            Ok((key, query))
        })
        .collect()
}

/// Whether a query's type (if any) is one this service has.
fn wants_organizations(kind: &Option<TypeOrTypes>) -> bool {
    let is_org = |t: &str| {
        matches!(
            t,
            ORGANIZATION
                | "https://schema.org/Organization"
                | "schema:Organization"
                | "Organization"
        )
    };
    match kind {
        None => true,
        Some(TypeOrTypes::One(t)) => t.is_empty() || is_org(t),
        Some(TypeOrTypes::Many(ts)) => ts.is_empty() || ts.iter().any(|t| is_org(t)),
    }
}

pub fn reconcile_batch(index: &Index, batch: Vec<(String, ReconQuery)>) -> Value {
    let mut out = serde_json::Map::new();
    for (key, query) in batch {
        let result = if wants_organizations(&query.kind) {
            let properties = query_properties(&query);
            let limit = query.limit.unwrap_or(5).clamp(1, MAX_LIMIT);
            index
                .reconcile(&query.query, &properties, limit)
                .iter()
                .map(|r| candidate(index, r))
                .collect()
        } else {
            Vec::new()
        };
        out.insert(key, json!({ "result": result }));
    }
    Value::Object(out)
}

/// The `(id, value)` pairs of a query's properties; an unknown property
/// id is ignored, as OpenRefine's other services do.
pub fn query_properties(query: &ReconQuery) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in &query.properties {
        let id = property_id(&p.pid);
        let mut values = Vec::new();
        p.v.strings(&mut values);
        out.extend(values.into_iter().map(|v| (id.to_owned(), v)));
    }
    out
}

/// A property id as given (`url`, `schema:url`, `http://schema.org/url`).
fn property_id(pid: &str) -> &str {
    let local = pid
        .strip_prefix("http://schema.org/")
        .or_else(|| pid.strip_prefix("https://schema.org/"))
        .or_else(|| pid.strip_prefix("schema:"))
        .unwrap_or(pid);
    PROPERTIES
        .iter()
        .map(|(id, _)| *id)
        .find(|id| *id == local)
        .unwrap_or(pid)
}

/// A candidate as the API gives it, with the features that explain it.
pub fn candidate(index: &Index, r: &Reconciled) -> Value {
    let c = &r.candidate;
    let entry = index.entry(c.ord);
    let mut features = vec![
        json!({ "id": "name_similarity", "value": (c.name_similarity * 1000.0).round() / 1000.0 }),
        json!({ "id": "name_exact", "value": c.how == crate::search::How::Exact }),
        json!({ "id": "alternate_name", "value": c.label > 0 }),
    ];
    for (property, agreed) in &r.properties {
        features.push(json!({ "id": format!("property_{property}"), "value": agreed }));
    }
    let mut value = json!({
        "id": entry.iri,
        "name": entry.name,
        "score": (c.score * 10.0).round() / 10.0,
        "match": r.matched,
        "type": [{ "id": ORGANIZATION, "name": "Organization" }],
        "features": features,
        "how": c.how,
    });
    if let Some(d) = &entry.description {
        value["description"] = json!(short(d, 200));
    }
    if c.label > 0
        && let Some(alt) = entry.alternate_names.get(c.label - 1)
    {
        value["matched_name"] = json!(alt);
    }
    value
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut
        .rfind(' ')
        .map_or(cut.as_str(), |i| &cut[..i])
        .to_owned();
    format!("{cut}…")
}

#[derive(Debug, Deserialize)]
pub struct IdParam {
    #[serde(default)]
    id: String,
    #[serde(default)]
    callback: Option<String>,
}

/// The data served now, its name index, and the organization `id` names.
fn organization(state: &AppState, id: &str) -> Result<(Arc<Snapshot>, Arc<Index>, u32), ApiError> {
    let snapshot = state.snapshot();
    let index = names(&snapshot)?;
    let ord = index
        .ord_of(id)
        .ok_or_else(|| ApiError::NotFound(format!("no organization has the id `{id}`")))?;
    Ok((snapshot, index, ord))
}

/// `/reconcile/view?id=IRI`: to the organization's page on this server.
pub async fn view(
    State(state): State<Arc<AppState>>,
    Query(p): Query<IdParam>,
) -> Result<Response, ApiError> {
    let (snapshot, index, ord) = organization(&state, &p.id)?;
    let entry = index.entry(ord);
    let path = local_path(&snapshot.base, &entry.iri).unwrap_or_else(|| entry.iri.clone());
    Ok(Redirect::to(&path).into_response())
}

/// The facts a preview and a flyout show.
fn preview_html(snapshot: &Snapshot, index: &Index, entry: &Entry) -> String {
    let esc = crate::report::escape;
    let page = local_path(&snapshot.base, &entry.iri).unwrap_or_else(|| entry.iri.clone());
    let mut html = format!(
        "<p><a href=\"{}\" target=\"_blank\"><strong>{}</strong></a>",
        esc(&page),
        esc(&entry.name)
    );
    if !entry.alternate_names.is_empty() {
        html.push_str(&format!(" ({})", esc(&entry.alternate_names.join(", "))));
    }
    html.push_str("</p>");
    let mut facts = Vec::new();
    if let Some(c) = &entry.category {
        facts.push(esc(c));
    }
    if let Some(p) = entry.parent.as_deref().and_then(|p| index.by_iri(p)) {
        facts.push(format!("part of {}", esc(&p.name)));
    }
    if !entry.places.is_empty() {
        facts.push(format!("serves {}", esc(&entry.places.join(", "))));
    }
    if let Some(d) = &entry.founding_date {
        facts.push(format!("founded {}", esc(d)));
    }
    if let Some(u) = &entry.url {
        facts.push(esc(u));
    }
    if !facts.is_empty() {
        html.push_str(&format!("<p>{}</p>", facts.join(" · ")));
    }
    if let Some(d) = &entry.description {
        html.push_str(&format!("<p>{}</p>", esc(&short(d, 300))));
    }
    html
}

/// `/reconcile/preview?id=IRI`: a small page for OpenRefine's preview
/// frame (the one page that other sites may frame).
pub async fn preview(
    State(state): State<Arc<AppState>>,
    Query(p): Query<IdParam>,
) -> Result<Response, ApiError> {
    let (snapshot, index, ord) = organization(&state, &p.id)?;
    let entry = index.entry(ord);
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"/static/site.css\"></head><body class=\"preview\">{}</body></html>\n",
        crate::report::escape(&entry.name),
        preview_html(&snapshot, &index, entry)
    );
    Ok(super::html::page(StatusCode::OK, body))
}

/// `/reconcile/flyout?id=IRI`: the same facts as JSON `{id, html}`.
pub async fn flyout(
    State(state): State<Arc<AppState>>,
    Query(p): Query<IdParam>,
) -> Result<Response, ApiError> {
    let (snapshot, index, ord) = organization(&state, &p.id)?;
    let entry = index.entry(ord);
    let value = json!({ "id": entry.iri, "html": preview_html(&snapshot, &index, entry) });
    answer(&value, p.callback.as_deref())
}

#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    cursor: Option<usize>,
    #[serde(default)]
    callback: Option<String>,
}

/// `/reconcile/suggest/entity?prefix=`: organizations for a prefix.
pub async fn suggest_entity(
    State(state): State<Arc<AppState>>,
    Query(p): Query<SuggestParams>,
) -> Result<Response, ApiError> {
    if p.prefix.chars().count() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "prefix is longer than {MAX_QUERY} characters"
        )));
    }
    let snapshot = state.snapshot();
    let index = names(&snapshot)?;
    let cursor = p
        .cursor
        .unwrap_or(0)
        .min(crate::search::matching::MAX_SEARCH);
    let prefix = p.prefix.clone();
    let result = tokio::task::spawn_blocking(move || {
        index
            .suggest(&prefix, cursor + 10)
            .iter()
            .skip(cursor)
            .map(|c| {
                let e = index.entry(c.ord);
                let mut v = json!({
                    "id": e.iri,
                    "name": e.name,
                    "notable": [{ "id": ORGANIZATION, "name": "Organization" }],
                });
                if let Some(d) = &e.description {
                    v["description"] = json!(short(d, 120));
                }
                v
            })
            .collect::<Vec<Value>>()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("suggest task: {e}")))?;
    answer(&json!({ "result": result }), p.callback.as_deref())
}

fn folded_prefix(text: &str, prefix: &str) -> bool {
    let (t, p) = (
        crate::search::normalize::fold(text),
        crate::search::normalize::fold(prefix),
    );
    p.is_empty() || t.split(' ').any(|w| w.starts_with(&p)) || t.starts_with(&p)
}

/// `/reconcile/suggest/type?prefix=`: the one type.
pub async fn suggest_type(Query(p): Query<SuggestParams>) -> Result<Response, ApiError> {
    let result: Vec<Value> = [(ORGANIZATION, "Organization")]
        .iter()
        .filter(|(_, name)| folded_prefix(name, &p.prefix))
        .map(|(id, name)| json!({ "id": id, "name": name }))
        .collect();
    answer(&json!({ "result": result }), p.callback.as_deref())
}

/// `/reconcile/suggest/property?prefix=`: the properties queries can use
/// and extension can add.
pub async fn suggest_property(Query(p): Query<SuggestParams>) -> Result<Response, ApiError> {
    let mut seen = std::collections::HashSet::new();
    let result: Vec<Value> = PROPERTIES
        .iter()
        .chain(EXTEND)
        .filter(|(id, _)| seen.insert(*id))
        .filter(|(id, name)| folded_prefix(name, &p.prefix) || folded_prefix(id, &p.prefix))
        .map(|(id, name)| json!({ "id": id, "name": name }))
        .collect();
    answer(&json!({ "result": result }), p.callback.as_deref())
}

#[derive(Debug, Deserialize)]
pub struct ProposeParams {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    callback: Option<String>,
}

/// `/reconcile/properties?type=`: what data extension can add.
pub async fn propose_properties(Query(p): Query<ProposeParams>) -> Result<Response, ApiError> {
    let kind = p.kind.unwrap_or_else(|| ORGANIZATION.to_owned());
    let organizations = wants_organizations(&Some(TypeOrTypes::One(kind.clone())));
    let limit = p.limit.unwrap_or(EXTEND.len()).min(EXTEND.len());
    let properties: Vec<Value> = if organizations {
        EXTEND
            .iter()
            .take(limit)
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect()
    } else {
        Vec::new()
    };
    let value = json!({ "type": kind, "limit": limit, "properties": properties });
    answer(&value, p.callback.as_deref())
}

#[derive(Debug, Deserialize)]
struct ExtendQuery {
    ids: Vec<String>,
    properties: Vec<ExtendProperty>,
}

#[derive(Debug, Deserialize)]
struct ExtendProperty {
    id: String,
    #[serde(default)]
    settings: HashMap<String, Value>,
}

/// `/reconcile/extend` (or `/reconcile` with `extend=`): values of the
/// proposed properties for the given organizations.
pub async fn extend(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    RawForm(form): RawForm,
) -> Result<Response, ApiError> {
    let params = params(&query, &form)?;
    let text = params.get("extend").ok_or_else(|| {
        ApiError::BadRequest("give the extension as extend={ids, properties}".into())
    })?;
    let result = extension(&state.snapshot(), text)?;
    answer(&result, params.get("callback").map(String::as_str))
}

fn extension(snapshot: &Snapshot, text: &str) -> Result<Value, ApiError> {
    let query: ExtendQuery = serde_json::from_str(text)
        .map_err(|e| ApiError::BadRequest(format!("extend is not {{ids, properties}}: {e}")))?;
    if query.ids.len() > 10 * BATCH {
        return Err(ApiError::BadRequest(format!(
            "{} ids in one extension: send at most {}",
            query.ids.len(),
            10 * BATCH
        )));
    }
    let index = names(snapshot)?;
    let mut meta = Vec::new();
    for p in &query.properties {
        let Some((_, name)) = EXTEND.iter().find(|(id, _)| *id == p.id) else {
            return Err(ApiError::BadRequest(format!(
                "no property `{}` to extend with; /reconcile/properties lists them",
                p.id
            )));
        };
        let mut m = json!({ "id": p.id, "name": name });
        if matches!(p.id.as_str(), "parentOrganization" | "memberOf" | "members") {
            m["type"] = json!({ "id": ORGANIZATION, "name": "Organization" });
        }
        meta.push(m);
    }
    let members = members_of(&index);
    let mut rows = serde_json::Map::new();
    for id in &query.ids {
        let mut row = serde_json::Map::new();
        let entry = index.by_iri(id);
        for p in &query.properties {
            let limit = p
                .settings
                .get("limit")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(0) as usize;
            let mut values = entry
                .map(|e| values(&index, &members, e, &p.id))
                .unwrap_or_default();
            if limit > 0 {
                values.truncate(limit);
            }
            row.insert(p.id.clone(), Value::Array(values));
        }
        rows.insert(id.clone(), Value::Object(row));
    }
    Ok(json!({ "meta": meta, "rows": rows }))
}

/// Each organization's members (the inverse of `memberOf`), by IRI.
fn members_of(index: &Index) -> HashMap<&str, Vec<&Entry>> {
    let mut out: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in index.entries() {
        for m in &e.member_of {
            out.entry(m.as_str()).or_default().push(e);
        }
    }
    out
}

fn values(
    index: &Index,
    members: &HashMap<&str, Vec<&Entry>>,
    e: &Entry,
    property: &str,
) -> Vec<Value> {
    let text = |s: &String| json!({ "str": s });
    let org = |iri: &String| match index.by_iri(iri) {
        Some(o) => json!({ "id": o.iri, "name": o.name }),
        None => json!({ "str": iri }),
    };
    match property {
        "url" => e.url.iter().map(text).collect(),
        "alternateName" => e.alternate_names.iter().map(text).collect(),
        "description" => e.description.iter().map(text).collect(),
        "parentOrganization" => e.parent.iter().map(org).collect(),
        "memberOf" => e.member_of.iter().map(org).collect(),
        "members" => members
            .get(e.iri.as_str())
            .map(|ms| {
                ms.iter()
                    .map(|m| json!({ "id": m.iri, "name": m.name }))
                    .collect()
            })
            .unwrap_or_default(),
        "areaServed" => e.places.iter().map(text).collect(),
        "foundingDate" => e
            .founding_date
            .iter()
            .map(|d| json!({ "date": date(d) }))
            .collect(),
        "dissolutionDate" => e
            .dissolution_date
            .iter()
            .map(|d| json!({ "date": date(d) }))
            .collect(),
        "sameAs" => e.same_as.iter().map(text).collect(),
        "category" => e.category.iter().map(text).collect(),
        _ => Vec::new(),
    }
}

/// A date as the API's `date` values are: ISO 8601 date-time.
fn date(d: &str) -> String {
    match d.len() {
        4 => format!("{d}-01-01T00:00:00Z"),
        10 => format!("{d}T00:00:00Z"),
        _ => d.to_owned(),
    }
}
