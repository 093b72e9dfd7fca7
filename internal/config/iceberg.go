package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Iceberg configures the Apache Iceberg tables kept for every lake table
// (sinks/iceberg) and the catalogs `tradepipe tables register` publishes
// them to. The embedded catalog (metadata files in the lake, committed by
// a conditional write) needs no configuration.
type Iceberg struct {
	// Disabled turns the Iceberg tables off: no snapshots are written.
	Disabled bool `yaml:"disabled"`
	// Location is the URL the metadata names files by: the lake's root
	// as engines reach it. Empty means the lake URL (file:///abs/path or
	// s3://bucket/prefix).
	Location string `yaml:"location"`
	// Namespace the tables are registered in (default "tradepipe").
	Namespace string `yaml:"namespace"`
	// Catalogs by name.
	Catalogs map[string]Catalog `yaml:"catalogs"`
	// Expire is the retention of every table's snapshots and metadata
	// versions.
	Expire IcebergExpire `yaml:"expire"`
}

// IcebergExpire is the snapshot and metadata retention of the Iceberg
// tables (sinks/iceberg.Expire), written into each table's properties
// under Iceberg's names. Defaults: DefaultIcebergExpire.
type IcebergExpire struct {
	// Disabled keeps every snapshot and metadata version.
	Disabled bool `yaml:"disabled"`
	// MaxSnapshotAge: a snapshot superseded longer ago is expired
	// (history.expire.max-snapshot-age-ms); at least the commit
	// protocol's retention of replaced files (24h), so no snapshot is
	// expired while its files are kept for readers.
	MaxSnapshotAge Duration `yaml:"max_snapshot_age"`
	// MinSnapshotsToKeep newest snapshots are kept whatever their age
	// (history.expire.min-snapshots-to-keep).
	MinSnapshotsToKeep int `yaml:"min_snapshots_to_keep"`
	// PreviousVersionsMax bounds the metadata-log
	// (write.metadata.previous-versions-max).
	PreviousVersionsMax int `yaml:"previous_versions_max"`
	// DeleteAfterCommit deletes metadata versions that fell off the
	// metadata-log (write.metadata.delete-after-commit.enabled).
	DeleteAfterCommit bool `yaml:"delete_after_commit"`
}

// DefaultIcebergExpire is the retention a config that says nothing gets:
// snapshots for as long as the commit protocol keeps the files they
// replaced (24h), at least the current one, and the last 10 metadata
// versions.
func DefaultIcebergExpire() IcebergExpire {
	return IcebergExpire{
		MaxSnapshotAge:      Duration(publish.DefaultRetention),
		MinSnapshotsToKeep:  1,
		PreviousVersionsMax: 10,
		DeleteAfterCommit:   true,
	}
}

// Catalog is one Iceberg catalog tables are registered in.
type Catalog struct {
	// Type is rest (S3 Tables, Glue's REST endpoint, Polaris, Nessie,
	// Lakekeeper, ...) or glue (the AWS Glue Data Catalog API).
	Type string `yaml:"type"`
	// URI of a REST catalog, e.g. https://glue.us-east-1.amazonaws.com/iceberg.
	URI string `yaml:"uri"`
	// Warehouse and Prefix are passed to a REST catalog as given.
	Warehouse string `yaml:"warehouse"`
	Prefix    string `yaml:"prefix"`
	// CredentialEnv names the variable holding an OAuth2 client
	// credential (id:secret); TokenEnv one holding a bearer token.
	// Secrets never live in this file.
	CredentialEnv string `yaml:"credential_env"`
	TokenEnv      string `yaml:"token_env"`
	// SigV4 signs REST requests with AWS credentials (Glue REST, S3
	// Tables); SigV4Service defaults to "glue".
	SigV4        bool   `yaml:"sigv4"`
	SigV4Service string `yaml:"sigv4_service"`
	// Region of Glue or of SigV4 signing (default s3.region).
	Region string `yaml:"region"`
	// CatalogID is the Glue catalog (account) id; empty means the
	// caller's account.
	CatalogID string `yaml:"catalog_id"`
}

var namespaceRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,254}$`)

// CatalogTypes lists the catalog types a config may name.
var CatalogTypes = []string{"glue", "rest"}

func (c *Config) checkIceberg() Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	ib := c.Iceberg
	if !namespaceRE.MatchString(ib.Namespace) {
		add("iceberg.namespace", "%q is not lowercase letters, digits and _", ib.Namespace)
	}
	if ex := ib.Expire; !ex.Disabled {
		if time.Duration(ex.MaxSnapshotAge) < publish.DefaultRetention {
			add("iceberg.expire.max_snapshot_age", "%s is less than the %s the lake keeps replaced files for: snapshots would be expired while readers may read them",
				time.Duration(ex.MaxSnapshotAge), publish.DefaultRetention)
		}
		if ex.MinSnapshotsToKeep < 1 {
			add("iceberg.expire.min_snapshots_to_keep", "%d is less than 1 (the current snapshot is always kept)", ex.MinSnapshotsToKeep)
		}
		if ex.PreviousVersionsMax < 1 {
			add("iceberg.expire.previous_versions_max", "%d is less than 1", ex.PreviousVersionsMax)
		}
	}
	if ib.Location != "" {
		u, err := url.Parse(ib.Location)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Scheme != "file") {
			add("iceberg.location", "%q is not a URL such as s3://bucket/prefix", ib.Location)
		}
	}
	names := make([]string, 0, len(ib.Catalogs))
	for n := range ib.Catalogs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		cat := ib.Catalogs[n]
		p := "iceberg.catalogs." + n
		if !jobNameRE.MatchString(n) {
			add(p, "catalog name must be lowercase letters, digits, - and _")
		}
		for _, e := range []struct{ key, v string }{{"credential_env", cat.CredentialEnv}, {"token_env", cat.TokenEnv}} {
			if e.v != "" && !envNameRE.MatchString(e.v) {
				add(p+"."+e.key, "%q is not an environment variable name", e.v)
			}
		}
		switch cat.Type {
		case "rest":
			u, err := url.Parse(cat.URI)
			if cat.URI == "" {
				add(p+".uri", "required for a rest catalog")
			} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add(p+".uri", "%q is not an http(s) URL", cat.URI)
			}
			if cat.CatalogID != "" {
				add(p+".catalog_id", "only for a glue catalog")
			}
			if cat.SigV4 && cat.Region == "" && c.S3.Region == "" {
				add(p+".region", "required with sigv4")
			}
		case "glue":
			for _, e := range []struct{ key, v string }{{"uri", cat.URI}, {"warehouse", cat.Warehouse}, {"prefix", cat.Prefix},
				{"credential_env", cat.CredentialEnv}, {"token_env", cat.TokenEnv}, {"sigv4_service", cat.SigV4Service}} {
				if e.v != "" {
					add(p+"."+e.key, "only for a rest catalog")
				}
			}
			if cat.SigV4 {
				add(p+".sigv4", "only for a rest catalog (glue always signs)")
			}
			if cat.Region == "" && c.S3.Region == "" {
				add(p+".region", "required for a glue catalog")
			}
		case "":
			add(p+".type", "required (one of %s)", strings.Join(CatalogTypes, ", "))
		default:
			add(p+".type", "unknown catalog type %q (one of %s)", cat.Type, strings.Join(CatalogTypes, ", "))
		}
	}
	return ps
}
