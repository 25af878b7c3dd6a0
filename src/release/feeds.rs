//! What a server that publishes the releases adds to the dataset's VoID
//! description (`/.well-known/void` with `serve --releases`): the change
//! stream, the index of releases and the changes since a release.

use oxrdf::NamedNode;

use crate::rdf::mapping::Builder;
use crate::rdf::vocab::{dcat, dcterms, rdf};
use crate::rdf::{Description, Iris};

/// The LDES specification, which the change stream conforms to.
pub const LDES_SPECIFICATION: &str = "https://w3id.org/ldes/specification";

/// The three feeds, each a `dcat:Distribution` of the dataset.
/// `base` is the dataset base IRI, `dataset` the dataset's IRI.
pub fn descriptions(base: &str, dataset: &str) -> Vec<Description> {
    let feeds = [
        (
            super::ldes::stream_iri(base),
            "application/trig",
            "Changes, as a Linked Data Event Stream",
            "One member per organization added or changed in a release: its version at \
             that release (dcterms:isVersionOf, dcterms:created). Immutable pages, one \
             node per release.",
            Some(LDES_SPECIFICATION),
        ),
        (
            format!("{base}dumps/releases/"),
            "application/json",
            "Releases",
            "Every release: version, date, counts, files with sizes and SHA-256.",
            None,
        ),
        (
            format!("{base}dumps/releases/changes"),
            "application/json",
            "Changes since a release",
            "?since=VERSION: the organizations added, removed and changed in the releases \
             after VERSION, merged.",
            None,
        ),
    ];
    let mut described = Builder::default();
    let mut out = Vec::new();
    for (url, media_type, title, description, conforms_to) in feeds {
        described.iri(dcat::DISTRIBUTION_PROP, Iris::node(url.clone()));
        let mut d = Builder::default();
        d.iri(rdf::TYPE, dcat::DISTRIBUTION.into_owned());
        d.iri(dcat::ACCESS_URL, Iris::node(url.clone()));
        d.iri(
            dcat::MEDIA_TYPE,
            Iris::node(format!(
                "https://www.iana.org/assignments/media-types/{media_type}"
            )),
        );
        d.string(dcterms::FORMAT, media_type);
        d.string(dcterms::TITLE, title);
        d.string(dcterms::DESCRIPTION, description);
        if let Some(spec) = conforms_to {
            d.iri(dcterms::CONFORMS_TO, NamedNode::new_unchecked(spec));
        }
        out.push(d.finish(Iris::node(url)));
    }
    out.push(described.finish(Iris::node(dataset.to_owned())));
    out
}
