package iceberg

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	ice "github.com/apache/iceberg-go"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// Def is one lake table as an Iceberg table: its schema (ids 1..n in file
// column order, list elements after), its partition spec and the name
// mapping that lets readers find columns in files written without field
// ids. All three come from internal/schema's Table, the definition the
// Parquet writer uses.
type Def struct {
	Table   schema.Table
	Schema  *ice.Schema
	Spec    ice.PartitionSpec
	Mapping ice.NameMapping
	// parts are the spec's fields in order, with the path key each is
	// read from.
	parts []partField
}

type partField struct {
	fieldID int
	key     string // path key name: source, flow, year (with month), ...
	kind    string // "identity", "month", "year"
}

// Defs returns the Iceberg definition of every lake table, in
// schema.Tables order.
func Defs() ([]Def, error) {
	var out []Def
	for _, t := range schema.Tables() {
		d, err := DefOf(t)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DefOf maps t to Iceberg: types follow the Parquet ones (date, decimal(18,2),
// timestamptz in microseconds, string, int, long, double, list<string>).
// The spec has an identity field per path key that is a column (source,
// flow, basis, partner, ...) and month(period) or year(period) for the
// year/month keys when period is never null; a nullable period (quarantine)
// cannot vouch for a file's month, so that table is partitioned by its
// column keys only.
func DefOf(t schema.Table) (Def, error) {
	cols, err := t.Columns()
	if err != nil {
		return Def{}, err
	}
	var (
		fields  []ice.NestedField
		mapping ice.NameMapping
		byName  = map[string]ice.NestedField{}
	)
	next := len(cols) + 1 // list element ids follow the columns
	for i, c := range cols {
		id := i + 1
		typ, err := iceType(c.Type, &next)
		if err != nil {
			return Def{}, fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
		}
		f := ice.NestedField{ID: id, Name: c.Name, Type: typ, Required: !c.Nullable, Doc: c.Doc}
		fields = append(fields, f)
		byName[c.Name] = f
		mf := ice.MappedField{Names: []string{c.Name}, FieldID: ptr(id)}
		if l, ok := typ.(*ice.ListType); ok {
			mf.Fields = []ice.MappedField{{Names: []string{"element"}, FieldID: ptr(l.ElementID)}}
		}
		mapping = append(mapping, mf)
	}
	sc := ice.NewSchema(0, fields...)

	var (
		pfs   []ice.PartitionField
		parts []partField
	)
	add := func(src ice.NestedField, name, key, kind string, tr ice.Transform) {
		id := ice.PartitionDataIDStart + len(pfs)
		pfs = append(pfs, ice.PartitionField{SourceIDs: []int{src.ID}, FieldID: id, Name: name, Transform: tr})
		parts = append(parts, partField{fieldID: id, key: key, kind: kind})
	}
	period, hasPeriod := byName["period"]
	timeOK := hasPeriod && period.Required && period.Type.Equals(ice.PrimitiveTypes.Date)
	hasMonth := false
	for _, k := range t.PathKeys {
		if k.Name == "month" {
			hasMonth = true
		}
	}
	for _, k := range t.PathKeys {
		switch {
		case k.Column:
			src, ok := byName[k.Name]
			if !ok {
				return Def{}, fmt.Errorf("table %s: path key %s names no column", t.Name, k.Name)
			}
			add(src, k.Name, k.Name, "identity", ice.IdentityTransform{})
		case k.Name == "year" && timeOK && hasMonth:
			add(period, "period_month", "year", "month", ice.MonthTransform{})
		case k.Name == "year" && timeOK:
			add(period, "period_year", "year", "year", ice.YearTransform{})
		}
	}
	spec := ice.NewPartitionSpec(pfs...)
	return Def{Table: t, Schema: sc, Spec: spec, Mapping: mapping, parts: parts}, nil
}

func ptr[T any](v T) *T { return &v }

func iceType(t schema.Type, next *int) (ice.Type, error) {
	switch t {
	case schema.TypeString:
		return ice.PrimitiveTypes.String, nil
	case schema.TypeInt32:
		return ice.PrimitiveTypes.Int32, nil
	case schema.TypeInt64:
		return ice.PrimitiveTypes.Int64, nil
	case schema.TypeFloat64:
		return ice.PrimitiveTypes.Float64, nil
	case schema.TypeDate:
		return ice.PrimitiveTypes.Date, nil
	case schema.TypeDecimal:
		return ice.DecimalTypeOf(18, 2), nil
	case schema.TypeTimestamp:
		return ice.PrimitiveTypes.TimestampTz, nil
	case schema.TypeStringList:
		id := *next
		*next++
		// The writer's list elements are required (a Go []string holds no
		// nulls).
		return &ice.ListType{ElementID: id, Element: ice.PrimitiveTypes.String, ElementRequired: true}, nil
	}
	return nil, fmt.Errorf("no Iceberg type for %s", t)
}

// MappingJSON is the schema.name-mapping.default table property.
func (d Def) MappingJSON() string {
	b, _ := json.Marshal(d.Mapping) // a slice of plain structs: cannot fail
	return string(b)
}

// Owns reports whether partition directory dir (e.g.
// trade_flows/source=census/flow=export/year=2020/month=04) belongs to the
// table: it lies under the table's location with exactly its path keys.
func (d Def) Owns(dir string) bool {
	_, err := d.keyValues(dir)
	return err == nil
}

func (d Def) keyValues(dir string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(dir, d.Table.Location+"/")
	if !ok {
		return nil, fmt.Errorf("partition %s is not under %s", dir, d.Table.Location)
	}
	segs := strings.Split(rest, "/")
	if len(segs) != len(d.Table.PathKeys) {
		return nil, fmt.Errorf("partition %s: %d path keys, table %s has %d", dir, len(segs), d.Table.Name, len(d.Table.PathKeys))
	}
	out := map[string]string{}
	for i, k := range d.Table.PathKeys {
		v, ok := strings.CutPrefix(segs[i], k.Name+"=")
		if !ok {
			return nil, fmt.Errorf("partition %s: segment %q is not %s=", dir, segs[i], k.Name)
		}
		out[k.Name] = v
	}
	return out, nil
}

// PartitionValues returns the partition tuple of dir's files, keyed by
// partition field id, in the representation iceberg-go's manifest writer
// takes: strings for identity fields, months or years since 1970 for the
// time fields.
func (d Def) PartitionValues(dir string) (map[int]any, error) {
	kv, err := d.keyValues(dir)
	if err != nil {
		return nil, err
	}
	out := map[int]any{}
	for _, p := range d.parts {
		switch p.kind {
		case "identity":
			out[p.fieldID] = kv[p.key]
		case "month", "year":
			y, err := strconv.Atoi(kv["year"])
			if err != nil || y < 1970 {
				return nil, fmt.Errorf("partition %s: year %q", dir, kv["year"])
			}
			if p.kind == "year" {
				out[p.fieldID] = int32(y - 1970)
				continue
			}
			m, err := strconv.Atoi(kv["month"])
			if err != nil || m < 1 || m > 12 {
				return nil, fmt.Errorf("partition %s: month %q", dir, kv["month"])
			}
			out[p.fieldID] = int32((y-1970)*12 + m - 1)
		}
	}
	return out, nil
}
