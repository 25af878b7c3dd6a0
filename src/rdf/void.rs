//! `void.ttl`: the dataset described for harvesters with VoID and DCAT:
//! metadata, counts, each dump with its media type, size and SHA-256, and the
//! canonical hash of the data (the same whatever the serialization).

use oxrdf::{Literal, NamedNode};

use super::dump::DumpFormat;
use super::mapping::{Builder, Description, Iris};
use super::vocab::{dcat, dcterms, rdf, rdfs, schema, skos, spdx, void, xsd};
use crate::source::Dataset;

/// A dump file as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpFile {
    pub format: DumpFormat,
    pub bytes: u64,
    pub sha256: String,
}

/// Counts and hashes of the built graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphStats {
    pub triples: u64,
    pub subjects: u64,
    pub organizations: u64,
    /// SHA-256 of the RDFC-1.0 canonical N-Quads.
    pub canonical_hash: String,
}

fn integer(n: u64, datatype: oxrdf::NamedNodeRef<'_>) -> Literal {
    Literal::new_typed_literal(n.to_string(), datatype)
}

fn checksum(subject: String, sha256: &str, comment: Option<&str>) -> Description {
    let mut d = Builder::default();
    d.iri(rdf::TYPE, spdx::CHECKSUM_CLASS.into_owned());
    d.iri(
        spdx::ALGORITHM,
        spdx::CHECKSUM_ALGORITHM_SHA256.into_owned(),
    );
    d.literal(
        spdx::CHECKSUM_VALUE,
        Literal::new_typed_literal(sha256, xsd::HEX_BINARY),
    );
    if let Some(c) = comment {
        d.string(rdfs::COMMENT, c);
    }
    d.finish(Iris::node(subject))
}

/// The VoID/DCAT descriptions, sorted by subject.
pub fn descriptions(
    dataset: &Dataset,
    iris: Iris<'_>,
    stats: &GraphStats,
    dumps: &[DumpFile],
) -> Vec<Description> {
    let ds = iris.dataset();
    let mut out = Vec::new();

    let mut d = Builder::default();
    d.iri(rdf::TYPE, void::DATASET.into_owned());
    d.iri(rdf::TYPE, dcat::DATASET.into_owned());
    d.string(dcterms::TITLE, &dataset.title.value);
    if let Some(v) = &dataset.description {
        d.string(dcterms::DESCRIPTION, &v.value);
    }
    if dataset.publisher.is_some() {
        d.iri(dcterms::PUBLISHER, Iris::node(iris.publisher()));
    }
    if let Some(v) = &dataset.license {
        d.iri(dcterms::LICENSE, NamedNode::new_unchecked(&*v.value));
    }
    if let Some(v) = &dataset.source {
        d.iri(dcterms::SOURCE, NamedNode::new_unchecked(&*v.value));
    }
    d.date(dcterms::MODIFIED, dataset.modified.value);
    d.literal(void::TRIPLES, integer(stats.triples, xsd::INTEGER));
    d.literal(
        void::DISTINCT_SUBJECTS,
        integer(stats.subjects, xsd::INTEGER),
    );
    d.literal(void::ENTITIES, integer(stats.subjects, xsd::INTEGER));
    d.string(void::URI_SPACE, iris.base);
    // Where `orgdir serve` answers SPARQL when the data is served at its base.
    d.iri(
        void::SPARQL_ENDPOINT,
        Iris::node(format!("{}sparql", iris.base)),
    );
    d.iri(void::VOCABULARY, NamedNode::new_unchecked(schema::NS));
    d.iri(void::VOCABULARY, NamedNode::new_unchecked(skos::NS));
    d.iri(
        void::CLASS_PARTITION,
        Iris::node(format!("{ds}#organizations")),
    );
    d.iri(spdx::CHECKSUM, Iris::node(format!("{ds}#canonical-sha256")));
    for dump in dumps {
        let url = Iris::node(iris.dump(dump.format.file_name()));
        d.iri(void::DATA_DUMP, url.clone());
        d.iri(dcat::DISTRIBUTION_PROP, url);
        d.iri(
            void::FEATURE,
            NamedNode::new_unchecked(format_iri(dump.format)),
        );
    }
    out.push(d.finish(Iris::node(ds.clone())));

    // The publisher by name, so that a harvester of void.ttl alone knows who.
    if let Some(publisher) = &dataset.publisher {
        let mut d = Builder::default();
        d.string(rdfs::LABEL, &publisher.name.value);
        d.string(schema::NAME, &publisher.name.value);
        if let Some(url) = &publisher.url {
            d.iri(schema::URL, NamedNode::new_unchecked(&*url.value));
        }
        out.push(d.finish(Iris::node(iris.publisher())));
    }

    let mut d = Builder::default();
    d.iri(void::CLASS, schema::ORGANIZATION.into_owned());
    d.literal(void::ENTITIES, integer(stats.organizations, xsd::INTEGER));
    out.push(d.finish(Iris::node(format!("{ds}#organizations"))));

    out.push(checksum(
        format!("{ds}#canonical-sha256"),
        &stats.canonical_hash,
        Some("SHA-256 of the RDFC-1.0 canonical N-Quads of the dataset: the same for every serialization of the same data"),
    ));

    for dump in dumps {
        let url = iris.dump(dump.format.file_name());
        let mut d = Builder::default();
        d.iri(rdf::TYPE, dcat::DISTRIBUTION.into_owned());
        d.iri(dcat::DOWNLOAD_URL, Iris::node(url.clone()));
        d.iri(
            dcat::MEDIA_TYPE,
            Iris::node(format!(
                "https://www.iana.org/assignments/media-types/{}",
                dump.format.media_type()
            )),
        );
        d.string(dcterms::FORMAT, dump.format.media_type());
        d.literal(
            dcat::BYTE_SIZE,
            integer(dump.bytes, xsd::NON_NEGATIVE_INTEGER),
        );
        d.iri(spdx::CHECKSUM, Iris::node(format!("{url}#sha256")));
        out.push(d.finish(Iris::node(url.clone())));
        out.push(checksum(format!("{url}#sha256"), &dump.sha256, None));
    }
    out.sort_by(|a, b| a.subject.as_str().cmp(b.subject.as_str()));
    out
}

/// The W3C format IRI (`http://www.w3.org/ns/formats/`) VoID uses for `void:feature`.
fn format_iri(format: DumpFormat) -> &'static str {
    match format {
        DumpFormat::Turtle => "http://www.w3.org/ns/formats/Turtle",
        DumpFormat::NTriples => "http://www.w3.org/ns/formats/N-Triples",
        DumpFormat::JsonLd => "http://www.w3.org/ns/formats/JSON-LD",
    }
}
