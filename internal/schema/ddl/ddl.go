package ddl

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// Engine is a query engine DDL is generated for.
type Engine string

// The engines SQL is generated for.
const (
	Athena Engine = "athena"
	Trino  Engine = "trino"
	Spark  Engine = "spark"
	DuckDB Engine = "duckdb"
)

// Engines lists every Engine in the order SQL prints them: the Hive
// layout's, then the Iceberg tables'.
var Engines = []Engine{DuckDB, Athena, Trino, Spark, DuckDBIceberg, AthenaIceberg, TrinoIceberg, SparkIceberg}

// Options says where the lake is and how to name things.
type Options struct {
	// Location is the lake root: s3://bucket/prefix for Athena, Trino and
	// Spark (s3a:// for Spark outside EMR), a path or URL DuckDB can
	// read. No trailing slash needed.
	Location string
	// Database is the schema tables are created in (default "tradepipe").
	Database string
	// Catalog is Trino's Hive catalog (default "hive"), or the Iceberg
	// catalog of trino-iceberg and spark-iceberg (default "iceberg").
	Catalog string
	// Iceberg is each table's Iceberg state, by table name, read from
	// the lake; a table without one gets placeholders.
	Iceberg map[string]IcebergTable
}

func (o Options) database() string { return cmpOr(o.Database, "tradepipe") }
func (o Options) catalog() string  { return cmpOr(o.Catalog, "hive") }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (o Options) location(t schema.Table) string {
	return strings.TrimSuffix(o.Location, "/") + "/" + t.Location
}

// table is a schema.Table with its columns split into data and partition
// columns.
type table struct {
	schema.Table
	data []schema.Column
	keys []schema.PathKey
}

func prepare(t schema.Table) (table, error) {
	cols, err := t.Columns()
	if err != nil {
		return table{}, err
	}
	out := table{Table: t, keys: t.PathKeys}
	for _, c := range cols {
		if !slices.ContainsFunc(t.PathKeys, func(k schema.PathKey) bool { return k.Name == c.Name }) {
			out.data = append(out.data, c)
		}
	}
	return out, nil
}

// SQL writes the statements that make tables queryable in engine e.
func SQL(w io.Writer, e Engine, tables []schema.Table, o Options) error {
	gen, ok := generators[e]
	if !ok {
		return fmt.Errorf("unknown engine %q (known: %s)", e, joinEngines())
	}
	if o.Location == "" {
		return fmt.Errorf("%s: no lake location", e)
	}
	if e == DuckDB {
		// DuckDB binds a view when it is created, and read_parquet fails
		// on a glob that matches nothing.
		fmt.Fprint(w, "-- DuckDB refuses a view over a table with no files yet: run the statements of the tables the lake has.\n\n")
	}
	if e.Iceberg() {
		icebergPreamble(w, e)
	}
	for i, st := range tables {
		t, err := prepare(st)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := gen(w, t, o); err != nil {
			return fmt.Errorf("%s: table %s: %w", e, t.Name, err)
		}
	}
	return nil
}

func joinEngines() string {
	s := make([]string, len(Engines))
	for i, e := range Engines {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}

var generators = map[Engine]func(io.Writer, table, Options) error{
	Athena: athena,
	Trino:  trino,
	Spark:  spark,
	DuckDB: duckdb,

	DuckDBIceberg: duckdbIceberg,
	AthenaIceberg: athenaIceberg,
	TrinoIceberg:  trinoIceberg,
	SparkIceberg:  sparkIceberg,
}

// hiveType is the Hive/Athena/Spark SQL type of t.
func hiveType(t schema.Type) (string, error) {
	switch t {
	case schema.TypeString:
		return "string", nil
	case schema.TypeInt32:
		return "int", nil
	case schema.TypeInt64:
		return "bigint", nil
	case schema.TypeFloat64:
		return "double", nil
	case schema.TypeDate:
		return "date", nil
	case schema.TypeDecimal:
		return "decimal(18,2)", nil
	case schema.TypeTimestamp:
		return "timestamp", nil
	case schema.TypeStringList:
		return "array<string>", nil
	}
	return "", fmt.Errorf("no Hive type for %s", t)
}

func trinoType(t schema.Type) (string, error) {
	switch t {
	case schema.TypeString:
		return "varchar", nil
	case schema.TypeInt32:
		return "integer", nil
	case schema.TypeInt64:
		return "bigint", nil
	case schema.TypeFloat64:
		return "double", nil
	case schema.TypeDate:
		return "date", nil
	case schema.TypeDecimal:
		return "decimal(18,2)", nil
	case schema.TypeTimestamp:
		// The Hive connector's timestamp precision is a catalog setting
		// (hive.timestamp-precision, MILLISECONDS by default) and its
		// tables hold no time zone: the values are UTC.
		return "timestamp(3)", nil
	case schema.TypeStringList:
		return "array(varchar)", nil
	}
	return "", fmt.Errorf("no Trino type for %s", t)
}

func keyHiveType(k schema.PathKey) string {
	if k.IsInt() {
		return "int"
	}
	return "string"
}

// hiveString quotes s for Hive, Athena and Spark DDL, which escape with
// a backslash.
func hiveString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// sqlString quotes s the standard way (Trino, DuckDB).
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func athena(w io.Writer, t table, o Options) error {
	fmt.Fprintf(w, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s`.`%s` (\n", o.database(), t.Name)
	for i, c := range t.data {
		typ, err := hiveType(c.Type)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  `%s` %s COMMENT %s%s\n", c.Name, typ, hiveString(c.Doc), comma(i, len(t.data)))
	}
	fmt.Fprintf(w, ")\nCOMMENT %s\n", hiveString(t.Doc))
	var keys, template []string
	for _, k := range t.keys {
		keys = append(keys, fmt.Sprintf("`%s` %s COMMENT %s", k.Name, keyHiveType(k), hiveString(k.Description)))
		template = append(template, fmt.Sprintf("%s=${%s}", k.Name, k.Name))
	}
	fmt.Fprintf(w, "PARTITIONED BY (%s)\n", strings.Join(keys, ", "))
	fmt.Fprintf(w, "STORED AS PARQUET\nLOCATION %s\n", hiveString(o.location(t.Table)+"/"))
	props := [][2]string{{"projection.enabled", "true"}}
	for _, k := range t.keys {
		if k.IsInt() {
			props = append(props,
				[2]string{"projection." + k.Name + ".type", "integer"},
				[2]string{"projection." + k.Name + ".range", fmt.Sprintf("%d,%d", k.Min, k.Max)},
				[2]string{"projection." + k.Name + ".digits", fmt.Sprint(k.Digits)})
		} else {
			props = append(props,
				[2]string{"projection." + k.Name + ".type", "enum"},
				[2]string{"projection." + k.Name + ".values", strings.Join(k.Values, ",")})
		}
	}
	props = append(props,
		[2]string{"storage.location.template", o.location(t.Table) + "/" + strings.Join(template, "/") + "/"},
		[2]string{"parquet.compression", "ZSTD"})
	fmt.Fprintln(w, "TBLPROPERTIES (")
	for i, p := range props {
		fmt.Fprintf(w, "  %s = %s%s\n", hiveString(p[0]), hiveString(p[1]), comma(i, len(props)))
	}
	fmt.Fprintln(w, ");")
	return nil
}

func trino(w io.Writer, t table, o Options) error {
	fmt.Fprintf(w, "CREATE TABLE IF NOT EXISTS %q.%q.%q (\n", o.catalog(), o.database(), t.Name)
	n := len(t.data) + len(t.keys)
	i := 0
	for _, c := range t.data {
		typ, err := trinoType(c.Type)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %q %s COMMENT %s%s\n", c.Name, typ, sqlString(c.Doc), comma(i, n))
		i++
	}
	var names []string
	for _, k := range t.keys {
		typ := "varchar"
		if k.IsInt() {
			typ = "integer"
		}
		fmt.Fprintf(w, "  %q %s COMMENT %s%s\n", k.Name, typ, sqlString(k.Description), comma(i, n))
		names = append(names, sqlString(k.Name))
		i++
	}
	fmt.Fprintf(w, ")\nCOMMENT %s\nWITH (\n", sqlString(t.Doc))
	fmt.Fprintf(w, "  external_location = %s,\n  format = 'PARQUET',\n  partitioned_by = ARRAY[%s]\n);\n",
		sqlString(o.location(t.Table)), strings.Join(names, ", "))
	fmt.Fprintf(w, "CALL %q.system.sync_partition_metadata(%s, %s, 'FULL');\n", o.catalog(), sqlString(o.database()), sqlString(t.Name))
	return nil
}

func spark(w io.Writer, t table, o Options) error {
	fmt.Fprintf(w, "CREATE TABLE IF NOT EXISTS `%s`.`%s` (\n", o.database(), t.Name)
	n := len(t.data) + len(t.keys)
	i := 0
	for _, c := range t.data {
		typ, err := hiveType(c.Type)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  `%s` %s COMMENT %s%s\n", c.Name, strings.ToUpper(typ), hiveString(c.Doc), comma(i, n))
		i++
	}
	var names []string
	for _, k := range t.keys {
		fmt.Fprintf(w, "  `%s` %s COMMENT %s%s\n", k.Name, strings.ToUpper(keyHiveType(k)), hiveString(k.Description), comma(i, n))
		names = append(names, "`"+k.Name+"`")
		i++
	}
	fmt.Fprintf(w, ")\nUSING parquet\nPARTITIONED BY (%s)\nLOCATION %s\nCOMMENT %s;\n",
		strings.Join(names, ", "), hiveString(o.location(t.Table)), hiveString(t.Doc))
	fmt.Fprintf(w, "ALTER TABLE `%s`.`%s` RECOVER PARTITIONS;\n", o.database(), t.Name)
	return nil
}

func duckdb(w io.Writer, t table, o Options) error {
	var types []string
	for _, k := range t.keys {
		if k.IsInt() {
			types = append(types, fmt.Sprintf("%s: 'INTEGER'", sqlString(k.Name)))
		}
	}
	hiveTypes := ""
	if len(types) > 0 {
		hiveTypes = ", hive_types = {" + strings.Join(types, ", ") + "}"
	}
	fmt.Fprintf(w, "-- %s\n", t.Doc)
	// union_by_name: DuckDB otherwise takes the columns of the first file
	// it lists, and a lake holds files written before a column was added
	// (consumption_value_usd, schema version 2) beside newer ones.
	fmt.Fprintf(w, "CREATE OR REPLACE VIEW %q AS\nSELECT * FROM read_parquet(%s, hive_partitioning = true, union_by_name = true%s);\n",
		t.Name, sqlString(o.location(t.Table)+"/**/*.parquet"), hiveTypes)
	return nil
}

func comma(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}

// JSON is the machine-readable description of tables.
type JSON struct {
	SchemaVersion int         `json:"schema_version"`
	Tables        []TableJSON `json:"tables"`
}

// TableJSON describes one table.
type TableJSON struct {
	Name          string          `json:"name"`
	Dataset       string          `json:"dataset"`
	Location      string          `json:"location"`
	Doc           string          `json:"doc"`
	PathKeys      []PathKeyJSON   `json:"partition_keys"`
	Columns       []schema.Column `json:"columns"`
	SortedBy      []string        `json:"sorted_by"`
	BloomFilters  []string        `json:"bloom_filters"`
	HiveGlob      string          `json:"glob"`
	PathKeyIsFile []string        `json:"partition_keys_in_files"`
}

// PathKeyJSON describes one partition key.
type PathKeyJSON struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []string `json:"values,omitempty"`
	Min    *int     `json:"min,omitempty"`
	Max    *int     `json:"max,omitempty"`
	Digits int      `json:"digits,omitempty"`
	Doc    string   `json:"doc"`
}

// Describe returns the JSON description of tables.
func Describe(tables []schema.Table) (JSON, error) {
	out := JSON{SchemaVersion: schema.Version}
	for _, t := range tables {
		cols, err := t.Columns()
		if err != nil {
			return JSON{}, err
		}
		tj := TableJSON{
			Name: t.Name, Dataset: t.Dataset, Location: t.Location, Doc: t.Doc, Columns: cols,
			SortedBy: nonNil(t.SortBy), BloomFilters: nonNil(t.Bloom),
			HiveGlob: t.Location + "/**/*.parquet", PathKeyIsFile: []string{},
		}
		for _, k := range t.PathKeys {
			kj := PathKeyJSON{Name: k.Name, Type: "string", Values: k.Values, Doc: k.Description}
			if k.IsInt() {
				kj.Type = "int"
				kj.Min, kj.Max, kj.Digits = &k.Min, &k.Max, k.Digits
			}
			if k.Column {
				tj.PathKeyIsFile = append(tj.PathKeyIsFile, k.Name)
			}
			tj.PathKeys = append(tj.PathKeys, kj)
		}
		out.Tables = append(out.Tables, tj)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteJSON writes Describe(tables), indented.
func WriteJSON(w io.Writer, tables []schema.Table) error {
	d, err := Describe(tables)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
