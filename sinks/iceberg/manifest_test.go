package iceberg

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	ice "github.com/apache/iceberg-go"
)

// For every table, a manifest of added, existing and deleted entries
// (one with a null partition value where the table has a partition
// field) holds the records iceberg-go's writer writes and the same
// header metadata, and its manifest-list entry is iceberg-go's; both
// read back alike.
func TestManifestCodecMatchesIcebergGo(t *testing.T) {
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	w := &Writer{Base: "http://x"}
	for _, d := range defs {
		t.Run(d.Table.Name, func(t *testing.T) {
			spec, sc, c := codecFor(t, w, d)
			fields := spec.PartitionType(sc).FieldList
			var entries []ice.ManifestEntry
			for i := range 6 {
				pv := map[int]any{}
				for j, f := range fields {
					switch {
					case i == 5 && j == 0:
						pv[f.ID] = nil
					case f.Type.Equals(ice.PrimitiveTypes.String):
						pv[f.ID] = fmt.Sprintf("v%d", (i*7+j)%4)
					default:
						pv[f.ID] = int32(600 + (i*5+j)%9)
					}
				}
				b, err := ice.NewDataFileBuilder(spec, ice.EntryContentData, fmt.Sprintf("http://x/_tables/f%d.parquet", i),
					ice.ParquetFile, pv, nil, nil, int64(10+i), int64(1000+i))
				if err != nil {
					t.Fatal(err)
				}
				seq, old := int64(7), int64(3+i%2)
				var e ice.ManifestEntry
				switch i % 3 {
				case 0:
					e = ice.NewManifestEntry(ice.EntryStatusADDED, ptr(int64(99)), &seq, &seq, b.Build())
				case 1:
					e = ice.NewManifestEntry(ice.EntryStatusEXISTING, ptr(int64(42+i)), &old, &old, b.Build())
				default:
					e = ice.NewManifestEntry(ice.EntryStatusDELETED, ptr(int64(99)), &old, &old, b.Build())
				}
				entries = append(entries, e)
			}
			path := "http://x/_iceberg/t/metadata/m-m0.avro"
			mine, mf, ok := c.encode(path, 99, entries)
			if !ok {
				t.Fatal("the codec refused the entries")
			}
			theirs, want, err := icebergManifest(path, spec, sc, 99, entries)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := avroRecords(t, mine), avroRecords(t, theirs); !bytes.Equal(a, b) {
				t.Fatalf("records differ:\n%x\n%x", a, b)
			}
			if a, b := avroMeta(t, mine), avroMeta(t, theirs); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("header metadata differs:\n%v\n%v", a, b)
			}
			seq := int64(8)
			list := func(m ice.ManifestFile) []byte {
				var buf bytes.Buffer
				if err := ice.WriteManifestList(2, &buf, 99, ptr(int64(98)), &seq, 0, []ice.ManifestFile{m}); err != nil {
					t.Fatal(err)
				}
				b, err := uncompressAvro(buf.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				return avroRecords(t, b)
			}
			if mf.Length() != want.Length() {
				t.Errorf("manifest length %d, iceberg-go's %d", mf.Length(), want.Length())
			}
			if a, b := list(mf), list(want); !bytes.Equal(a, b) {
				t.Errorf("manifest-list entries differ:\n%x\n%x", a, b)
			}
			// Both read back as the same entries.
			got, err := ice.ReadManifest(mf, bytes.NewReader(mine), false)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := ice.ReadManifest(want, bytes.NewReader(theirs), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(entries) || len(ref) != len(entries) {
				t.Fatalf("read %d and %d entries, wrote %d", len(got), len(ref), len(entries))
			}
			for i := range got {
				a, b := got[i], ref[i]
				if a.Status() != b.Status() || a.SnapshotID() != b.SnapshotID() || a.SequenceNum() != b.SequenceNum() ||
					a.DataFile().FilePath() != b.DataFile().FilePath() || fmt.Sprint(a.DataFile().Partition()) != fmt.Sprint(b.DataFile().Partition()) ||
					a.DataFile().Count() != b.DataFile().Count() {
					t.Errorf("entry %d reads back as %v %v, iceberg-go's as %v %v", i, a.Status(), a.DataFile().Partition(), b.Status(), b.DataFile().Partition())
				}
			}
		})
	}
}

// Entries the codec does not encode (column statistics here) go through
// iceberg-go.
func TestManifestCodecRefusesStatistics(t *testing.T) {
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	spec, sc, c := codecFor(t, &Writer{Base: "http://x"}, defs[0])
	pv := map[int]any{}
	for _, f := range spec.PartitionType(sc).FieldList {
		pv[f.ID] = nil
	}
	b, err := ice.NewDataFileBuilder(spec, ice.EntryContentData, "http://x/f.parquet", ice.ParquetFile, pv, nil, nil, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	b.ColumnSizes(map[int]int64{1: 5})
	seq := int64(1)
	if _, _, ok := c.encode("http://x/m.avro", 1, []ice.ManifestEntry{ice.NewManifestEntry(ice.EntryStatusADDED, &seq, &seq, &seq, b.Build())}); ok {
		t.Error("the codec encoded a data file with column sizes")
	}
}

// avroMeta is the header metadata of an Avro object container file.
func avroMeta(t *testing.T, b []byte) map[string]string {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(b[4:]))
	out := map[string]string{}
	for {
		n, err := binary.ReadVarint(r)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return out
		}
		for range n {
			k, err := readBytes(r)
			if err != nil {
				t.Fatal(err)
			}
			v, err := readBytes(r)
			if err != nil {
				t.Fatal(err)
			}
			out[string(k)] = string(v)
		}
	}
}

// codecFor makes the table of d as w creates it and the manifest codec of
// its partition spec and schema.
func codecFor(t *testing.T, w *Writer, d Def) (ice.PartitionSpec, *ice.Schema, *manifestCodec) {
	t.Helper()
	md, err := w.create(d)
	if err != nil {
		t.Fatal(err)
	}
	spec, sc := md.PartitionSpec(), md.CurrentSchema()
	c, err := newManifestCodec(spec, sc)
	if err != nil || c == nil {
		t.Fatalf("no codec: %v", err)
	}
	return spec, sc, c
}
