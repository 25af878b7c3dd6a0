//! The IRIs orgdir writes, in one place. A test checks each is a valid IRI
//! under its namespace.

use oxrdf::NamedNodeRef;

macro_rules! terms {
    ($(#[$doc:meta])* $module:ident = $ns:literal { $($name:ident = $local:literal),* $(,)? }) => {
        $(#[$doc])*
        pub mod $module {
            use super::NamedNodeRef;
            pub const NS: &str = $ns;
            $(pub const $name: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(concat!($ns, $local));)*
            #[cfg(test)]
            pub const ALL: &[(&str, NamedNodeRef<'static>)] = &[$(($local, $name)),*];
        }
    };
}

terms!(
    /// schema.org, in the `http://` form its own JSON-LD context uses.
    schema = "http://schema.org/" {
        ABOUT = "about",
        ACTION_STATUS = "actionStatus",
        ADD_ACTION = "AddAction",
        ADDITIONAL_TYPE = "additionalType",
        CHECK_ACTION = "CheckAction",
        COMPLETED_ACTION_STATUS = "CompletedActionStatus",
        ADMINISTRATIVE_AREA = "AdministrativeArea",
        ALTERNATE_NAME = "alternateName",
        AREA_SERVED = "areaServed",
        DATASET = "Dataset",
        DATE_MODIFIED = "dateModified",
        DATE_PUBLISHED = "datePublished",
        DELETE_ACTION = "DeleteAction",
        DESCRIPTION = "description",
        DISSOLUTION_DATE = "dissolutionDate",
        EMAIL = "email",
        END_DATE = "endDate",
        END_TIME = "endTime",
        FAILED_ACTION_STATUS = "FailedActionStatus",
        FOUNDING_DATE = "foundingDate",
        GOVERNMENT_ORGANIZATION = "GovernmentOrganization",
        IDENTIFIER = "identifier",
        IS_BASED_ON = "isBasedOn",
        IS_PART_OF = "isPartOf",
        LICENSE = "license",
        MEMBER = "member",
        MEMBER_OF = "memberOf",
        NAME = "name",
        OBJECT = "object",
        ORGANIZATION = "Organization",
        ORGANIZATION_ROLE = "OrganizationRole",
        PARENT_ORGANIZATION = "parentOrganization",
        PUBLISHER = "publisher",
        ROLE_NAME = "roleName",
        SAME_AS = "sameAs",
        START_DATE = "startDate",
        SUB_ORGANIZATION = "subOrganization",
        TARGET_COLLECTION = "targetCollection",
        UPDATE_ACTION = "UpdateAction",
        URL = "url",
        VERSION = "version",
    }
);

terms!(
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#" {
        FIRST = "first",
        NIL = "nil",
        REST = "rest",
        TYPE = "type",
    }
);

terms!(
    rdfs = "http://www.w3.org/2000/01/rdf-schema#" {
        COMMENT = "comment",
        LABEL = "label",
    }
);

terms!(
    xsd = "http://www.w3.org/2001/XMLSchema#" {
        BOOLEAN = "boolean",
        DATE = "date",
        DATE_TIME = "dateTime",
        G_YEAR = "gYear",
        HEX_BINARY = "hexBinary",
        INTEGER = "integer",
        NON_NEGATIVE_INTEGER = "nonNegativeInteger",
        STRING = "string",
    }
);

terms!(
    /// SKOS, for the three categories (the directory's headings).
    skos = "http://www.w3.org/2004/02/skos/core#" {
        CONCEPT = "Concept",
        CONCEPT_SCHEME = "ConceptScheme",
        CHANGE_NOTE = "changeNote",
        HAS_TOP_CONCEPT = "hasTopConcept",
        IN_SCHEME = "inScheme",
        NOTATION = "notation",
        PREF_LABEL = "prefLabel",
    }
);

terms!(
    /// orgdir's terms for link-check results (README, "Link status as linked data").
    lc = "urn:orgdir:linkcheck#" {
        FINAL_URL = "finalUrl",
        HTTP_STATUS = "httpStatus",
        SINCE = "since",
        STATE = "state",
        STATUS = "status",
        SUGGESTED_URL = "suggestedUrl",
    }
);

terms!(
    /// orgdir's terms for release change lists (README, "Releases").
    chg = "urn:orgdir:changes#" {
        ADDED = "added",
        CHANGED = "changed",
        PREVIOUS_RELEASE = "previousRelease",
        PROPERTY = "property",
        REMOVED = "removed",
    }
);

terms!(
    /// SHACL, for validation reports (not used in the dumps).
    sh = "http://www.w3.org/ns/shacl#" {
        ALTERNATIVE_PATH = "alternativePath",
        CONFORMS = "conforms",
        FOCUS_NODE = "focusNode",
        INVERSE_PATH = "inversePath",
        ONE_OR_MORE_PATH = "oneOrMorePath",
        RESULT = "result",
        RESULT_MESSAGE = "resultMessage",
        RESULT_PATH = "resultPath",
        RESULT_SEVERITY = "resultSeverity",
        SOURCE_CONSTRAINT_COMPONENT = "sourceConstraintComponent",
        SOURCE_SHAPE = "sourceShape",
        VALIDATION_REPORT = "ValidationReport",
        VALIDATION_RESULT = "ValidationResult",
        VALUE = "value",
        ZERO_OR_MORE_PATH = "zeroOrMorePath",
        ZERO_OR_ONE_PATH = "zeroOrOnePath",
        INFO = "Info",
        WARNING = "Warning",
        VIOLATION = "Violation",
    }
);

terms!(
    dcterms = "http://purl.org/dc/terms/" {
        CONFORMS_TO = "conformsTo",
        CREATED = "created",
        DATE = "date",
        DESCRIPTION = "description",
        FORMAT = "format",
        IS_REPLACED_BY = "isReplacedBy",
        IS_VERSION_OF = "isVersionOf",
        LICENSE = "license",
        MODIFIED = "modified",
        PUBLISHER = "publisher",
        REPLACES = "replaces",
        SOURCE = "source",
        TITLE = "title",
    }
);

terms!(
    /// Linked Data Event Streams, for the change stream (not in the dumps).
    ldes = "https://w3id.org/ldes#" {
        EVENT_STREAM = "EventStream",
        TIMESTAMP_PATH = "timestampPath",
        VERSION_OF_PATH = "versionOfPath",
    }
);

terms!(
    /// TREE, the hypermedia of the change stream's pages (not in the dumps).
    tree = "https://w3id.org/tree#" {
        GREATER_THAN_OR_EQUAL_TO_RELATION = "GreaterThanOrEqualToRelation",
        MEMBER = "member",
        NODE = "node",
        NODE_CLASS = "Node",
        PATH = "path",
        RELATION = "relation",
        RELATION_CLASS = "Relation",
        VALUE = "value",
        VIEW = "view",
    }
);

terms!(
    /// ADMS, for the status of a retired record.
    adms = "http://www.w3.org/ns/adms#" {
        STATUS = "status",
    }
);

terms!(
    void = "http://rdfs.org/ns/void#" {
        CLASS = "class",
        CLASS_PARTITION = "classPartition",
        DATA_DUMP = "dataDump",
        DATASET = "Dataset",
        DISTINCT_SUBJECTS = "distinctSubjects",
        ENTITIES = "entities",
        FEATURE = "feature",
        SPARQL_ENDPOINT = "sparqlEndpoint",
        TRIPLES = "triples",
        URI_SPACE = "uriSpace",
        VOCABULARY = "vocabulary",
    }
);

terms!(
    dcat = "http://www.w3.org/ns/dcat#" {
        ACCESS_URL = "accessURL",
        BYTE_SIZE = "byteSize",
        DATASET = "Dataset",
        DISTRIBUTION = "Distribution",
        DISTRIBUTION_PROP = "distribution",
        DOWNLOAD_URL = "downloadURL",
        MEDIA_TYPE = "mediaType",
    }
);

terms!(
    /// SPDX checksums, as DCAT recommends for `dcat:Distribution`.
    spdx = "http://spdx.org/rdf/terms#" {
        ALGORITHM = "algorithm",
        CHECKSUM = "checksum",
        CHECKSUM_CLASS = "Checksum",
        CHECKSUM_ALGORITHM_SHA256 = "checksumAlgorithm_sha256",
        CHECKSUM_VALUE = "checksumValue",
    }
);

/// Prefixes used when writing Turtle, in the order written.
pub const PREFIXES: &[(&str, &str)] = &[
    ("adms", adms::NS),
    ("dcat", dcat::NS),
    ("dcterms", dcterms::NS),
    ("rdf", rdf::NS),
    ("rdfs", rdfs::NS),
    ("schema", schema::NS),
    ("skos", skos::NS),
    ("spdx", spdx::NS),
    ("void", void::NS),
    ("xsd", xsd::NS),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_a_valid_iri_in_its_namespace() {
        let all = [
            (schema::NS, schema::ALL),
            (adms::NS, adms::ALL),
            (rdf::NS, rdf::ALL),
            (rdfs::NS, rdfs::ALL),
            (xsd::NS, xsd::ALL),
            (skos::NS, skos::ALL),
            (dcterms::NS, dcterms::ALL),
            (void::NS, void::ALL),
            (dcat::NS, dcat::ALL),
            (spdx::NS, spdx::ALL),
        ];
        for (ns, terms) in all {
            assert!(PREFIXES.iter().any(|(_, p)| *p == ns), "{ns} has no prefix");
            for (local, term) in terms {
                oxrdf::NamedNode::new(term.as_str()).unwrap();
                // Written as `prefix:local` in Turtle and as a bare term in JSON-LD.
                assert!(local.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            }
        }
        // Reports only: no prefix in the dumps.
        for (ns, terms) in [
            (sh::NS, sh::ALL),
            (lc::NS, lc::ALL),
            (chg::NS, chg::ALL),
            (ldes::NS, ldes::ALL),
            (tree::NS, tree::ALL),
        ] {
            for (local, term) in terms {
                assert_eq!(term.as_str(), format!("{ns}{local}"));
                oxrdf::NamedNode::new(term.as_str()).unwrap();
            }
        }
    }
}
