package iceberg

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	ice "github.com/apache/iceberg-go"
)

// The specs follow the Hive path keys: identity on the keys that are
// columns, month(period) or year(period) for year/month, nothing for a
// nullable period; types follow the Parquet ones.
func TestDefs(t *testing.T) {
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	// Source ids are the metadata's: a list column's element takes the
	// id after it (raw_cells, hs_codes), pushing the later columns on.
	want := map[string]string{
		"trade_flows":            "[source identity(16)][flow identity(4)][period_month month(1)]",
		"trade_flows_history":    "[source identity(16)][flow identity(4)][period_month month(1)]",
		"trade_totals":           "[source identity(8)][flow identity(4)][period_month month(1)]",
		"shipments":              "[source identity(17)][period_month month(2)]",
		"quarantine_trade_flows": "[source identity(9)]",
		"quarantine_shipments":   "[source identity(9)]",
		"compliance":             "[basis identity(1)][period_year year(2)]",
	}
	seen := 0
	for _, d := range defs {
		var got string
		for _, f := range d.Spec.Fields() {
			got += fmt.Sprintf("[%s %s(%d)]", f.Name, f.Transform, f.SourceIDs[0])
		}
		if w, ok := want[d.Table.Name]; ok {
			seen++
			if got != w {
				t.Errorf("%s: spec %s, want %s", d.Table.Name, got, w)
			}
		}
		cols, err := d.Table.Columns()
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Mapping) != len(cols) {
			t.Errorf("%s: name mapping has %d columns, the files %d", d.Table.Name, len(d.Mapping), len(cols))
		}
		for i, c := range cols {
			f := d.Schema.Fields()[i]
			if f.Name != c.Name || f.Required == c.Nullable || *d.Mapping[i].FieldID != f.ID || d.Mapping[i].Names[0] != c.Name {
				t.Errorf("%s: field %d is %+v, mapping %v; column %+v", d.Table.Name, i, f, d.Mapping[i], c)
			}
			if l, ok := f.Type.(*ice.ListType); ok && *d.Mapping[i].Fields[0].FieldID != l.ElementID {
				t.Errorf("%s: %s element id %d, mapping %v", d.Table.Name, c.Name, l.ElementID, d.Mapping[i].Fields)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d tables, want %d", seen, len(want))
	}
	tf := defs[0]
	for name, typ := range map[string]string{"period": "date", "value_usd": "decimal(18, 2)", "ingested_at": "timestamptz", "hs_level": "int", "quantity": "double"} {
		f, ok := tf.Schema.FindFieldByName(name)
		if !ok || f.Type.String() != typ {
			t.Errorf("trade_flows %s: %v, want %s", name, f.Type, typ)
		}
	}
}

func TestPartitionValues(t *testing.T) {
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Def{}
	for _, d := range defs {
		byName[d.Table.Name] = d
	}
	for _, tc := range []struct {
		table, dir, want string
	}{
		{"trade_flows", "trade_flows/source=census/flow=export/year=2020/month=04", "map[1000:census 1001:export 1002:603]"},
		{"compliance", "compliance/basis=us_exports/year=2020", "map[1000:us_exports 1001:50]"},
		{"quarantine_trade_flows", "quarantine/trade_flows/source=gacc/flow=unknown/year=0000/month=00", "map[1000:gacc]"},
		{"trade_flows", "trade_flows/source=census/year=2020/month=04", "error"},
		{"trade_flows", "trade_flows/source=census/flow=export/year=2020/month=13", "error"},
		{"trade_flows", "trade_flows_history/source=census/flow=export/year=2020/month=04", "error"},
	} {
		got, err := byName[tc.table].PartitionValues(tc.dir)
		s := fmt.Sprint(got)
		if err != nil {
			s = "error"
		}
		if s != tc.want {
			t.Errorf("%s %s: %s (%v), want %s", tc.table, tc.dir, s, err, tc.want)
		}
	}
}

// manifestBytes is a real iceberg-go manifest (deflate codec) of two data
// files.
func manifestBytes(t testing.TB) ([]byte, Def) {
	t.Helper()
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	d := defs[0]
	snap := int64(7)
	var buf bytes.Buffer
	mw, err := ice.NewManifestWriter(2, &buf, d.Spec, d.Schema, snap)
	if err != nil {
		t.Fatal(err)
	}
	for i, dir := range []string{"trade_flows/source=census/flow=export/year=2020/month=04", "trade_flows/source=gacc/flow=import/year=2021/month=12"} {
		pv, err := d.PartitionValues(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ice.NewDataFileBuilder(d.Spec, ice.EntryContentData, fmt.Sprintf("file:///lake/_tables/%s/data/f%d.parquet", dir, i), ice.ParquetFile, pv, nil, nil, int64(10+i), int64(1000+i))
		if err != nil {
			t.Fatal(err)
		}
		seq := int64(1)
		if err := mw.Add(ice.NewManifestEntry(ice.EntryStatusADDED, &snap, &seq, &seq, b.Build())); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), d
}

// The null-codec copy of a manifest holds the same entries for
// iceberg-go's reader, and says "null".
func TestUncompressAvro(t *testing.T) {
	in, d := manifestBytes(t)
	if !bytes.Contains(in, []byte("deflate")) {
		t.Fatal("iceberg-go no longer writes deflate; the rewrite may be unneeded")
	}
	out, err := uncompressAvro(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("deflate")) || !bytes.Contains(out, []byte("avro.codec\x08null")) {
		t.Error("codec is not null")
	}
	mf := ice.NewManifestFile(2, "m.avro", int64(len(out)), int32(d.Spec.ID()), 7).Build()
	es, err := ice.ReadManifest(mf, bytes.NewReader(out), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].DataFile().Count() != 11 || es[1].DataFile().Partition()[1002] != int32(623) {
		t.Errorf("entries %d, second %v", len(es), es[len(es)-1].DataFile())
	}
	if _, err := uncompressAvro(in[:len(in)-5]); err == nil {
		t.Error("a truncated file was accepted")
	}
}

// Whatever bytes a lake holds, the rewrite returns an error or an Avro
// file that rewrites to itself; it never panics.
func FuzzUncompressAvro(f *testing.F) {
	in, _ := manifestBytes(f)
	f.Add(in)
	f.Add([]byte("Obj\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := uncompressAvro(b)
		if err != nil {
			return
		}
		again, err := uncompressAvro(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("rewrite of the rewrite: %v", err)
		}
	})
}

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus under testdata")

// The seed corpus of FuzzUncompressAvro holds a real manifest (its sync
// marker is random, so bytes differ per write); -update rewrites it.
func TestFuzzSeed(t *testing.T) {
	in, _ := manifestBytes(t)
	p := filepath.Join("testdata", "fuzz", "FuzzUncompressAvro", "manifest")
	want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", in)
	if *update {
		if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uncompressAvro(in); err != nil || len(got) == 0 {
		t.Fatalf("seed %s: %v", p, err)
	}
}
