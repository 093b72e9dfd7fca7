package ddl

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// Request is one `tradepipe schema [TABLE] [--format json|sql] [--engine
// E]` invocation.
type Request struct {
	Table  string // empty: every table
	Format string // "json" (default) or "sql"
	Engine Engine // for sql; empty: every engine, each under a heading
	// Lake is the configured lake URL (file://./lake, s3://bucket/prefix).
	Lake string
	// Database, Catalog and Iceberg as in Options.
	Database, Catalog string
	Iceberg           map[string]IcebergTable
}

// Run prints what r asks for to w. Its errors are usage errors (unknown
// table, format or engine; a lake URL that is not file:// or s3://).
func Run(w io.Writer, r Request) error {
	tables := schema.Tables()
	if r.Table != "" {
		t, err := schema.TableNamed(r.Table)
		if err != nil {
			return err
		}
		tables = []schema.Table{t}
	}
	switch r.Format {
	case "", "json":
		return WriteJSON(w, tables)
	case "sql":
	default:
		return fmt.Errorf("unknown format %q (json, sql)", r.Format)
	}
	loc, err := location(r.Lake)
	if err != nil {
		return err
	}
	o := Options{Location: loc, Database: r.Database, Catalog: r.Catalog, Iceberg: r.Iceberg}
	if r.Engine != "" {
		return SQL(w, r.Engine, tables, o)
	}
	for i, e := range Engines {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "-- ===== %s =====\n", e)
		if err := SQL(w, e, tables, o); err != nil {
			return err
		}
	}
	return nil
}

// location turns the config's lake URL into the location engines take:
// s3://bucket/prefix as is, file://PATH as PATH.
func location(lake string) (string, error) {
	if lake == "" {
		return "", fmt.Errorf("no lake configured")
	}
	u, err := url.Parse(lake)
	if err != nil {
		return "", fmt.Errorf("lake %q: %w", lake, err)
	}
	switch u.Scheme {
	case "s3":
		return strings.TrimSuffix(lake, "/"), nil
	case "file":
		p := strings.TrimPrefix(lake, "file://")
		return strings.TrimSuffix(p, "/"), nil
	}
	return "", fmt.Errorf("lake %q: not a file:// or s3:// URL", lake)
}
