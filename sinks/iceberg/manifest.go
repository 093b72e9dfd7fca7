package iceberg

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	ice "github.com/apache/iceberg-go"
	"github.com/google/uuid"
)

// manifestCodec writes the manifests of one table (one schema and
// spec) without iceberg-go's ManifestWriter, which builds and parses
// the manifest's Avro schema again for every manifest: once the
// metadata is kept between commits, that is most of a commit's CPU.
// The file header (Avro schema, Iceberg metadata) is the one
// iceberg-go writes, taken once; the records are encoded here, for the
// entries this package writes (data files without column statistics,
// string and int partition values). Any other entry goes through
// iceberg-go. TestManifestCodecMatchesIcebergGo holds the records and
// the manifest-list entry equal to iceberg-go's.
type manifestCodec struct {
	specID int
	header []byte // the file up to its sync marker, null codec
	fields []codecField
}

// codecField is a partition field, in the partition record's order.
type codecField struct {
	id  int
	str bool // string; else int
}

// newManifestCodec returns the codec of spec and sc, or nil when a
// partition type is not one it encodes.
func newManifestCodec(spec ice.PartitionSpec, sc *ice.Schema) (*manifestCodec, error) {
	c := &manifestCodec{specID: spec.ID()}
	for _, f := range spec.PartitionType(sc).FieldList {
		switch f.Type.(type) {
		case ice.StringType:
			c.fields = append(c.fields, codecField{id: f.ID, str: true})
		case ice.Int32Type:
			c.fields = append(c.fields, codecField{id: f.ID})
		default:
			return nil, nil
		}
	}
	var buf bytes.Buffer
	mw, err := ice.NewManifestWriter(2, &buf, spec, sc, 0)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := mw.Close(); err != nil && !errors.Is(err, ice.ErrEmptyManifest) {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	b, err := uncompressAvro(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	n, err := avroHeaderLen(b)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	c.header = b[:n]
	return c, nil
}

// avroHeaderLen is the length of an Avro object container file's magic
// and metadata, where its sync marker starts.
func avroHeaderLen(b []byte) (int, error) {
	br := bytes.NewReader(b)
	r := bufio.NewReader(br)
	if _, err := r.Discard(4); err != nil {
		return 0, err
	}
	n := 4
	varint := func() (int64, error) {
		v, err := binary.ReadVarint(r)
		var tmp [binary.MaxVarintLen64]byte
		n += binary.PutVarint(tmp[:], v)
		return v, err
	}
	for {
		count, err := varint()
		if err != nil {
			return 0, fmt.Errorf("avro header: %w", err)
		}
		if count == 0 {
			break
		}
		if count < 0 {
			count = -count
			if _, err := varint(); err != nil {
				return 0, fmt.Errorf("avro header: %w", err)
			}
		}
		for range 2 * count {
			l, err := varint()
			if err != nil {
				return 0, fmt.Errorf("avro header: %w", err)
			}
			if l < 0 || l > int64(len(b)) {
				return 0, fmt.Errorf("avro header: length %d of %d bytes", l, len(b))
			}
			if _, err := r.Discard(int(l)); err != nil {
				return 0, fmt.Errorf("avro header: %w", err)
			}
			n += int(l)
		}
	}
	if n+16 > len(b) {
		return 0, io.ErrUnexpectedEOF
	}
	return n, nil
}

// partStat is one partition field's summary over a manifest's entries.
type partStat struct {
	null, any  bool
	minS, maxS string
	minI, maxI int32
}

func (p *partStat) summary(str bool) ice.FieldSummary {
	nan := false
	s := ice.FieldSummary{ContainsNull: p.null, ContainsNaN: &nan}
	if !p.any {
		return s
	}
	var lo, hi []byte
	if str {
		lo, hi = []byte(p.minS), []byte(p.maxS)
	} else {
		lo, _ = ice.NewLiteral(p.minI).MarshalBinary()
		hi, _ = ice.NewLiteral(p.maxI).MarshalBinary()
	}
	s.LowerBound, s.UpperBound = &lo, &hi
	return s
}

// plain reports whether df is a data file the codec encodes: Parquet
// data, no column statistics, key metadata, offsets or sort order.
func plain(df ice.DataFile) bool {
	return df.ContentType() == ice.EntryContentData && df.FileFormat() == ice.ParquetFile &&
		len(df.ColumnSizes()) == 0 && len(df.ValueCounts()) == 0 && len(df.NullValueCounts()) == 0 &&
		len(df.NaNValueCounts()) == 0 && len(df.LowerBoundValues()) == 0 && len(df.UpperBoundValues()) == 0 &&
		df.KeyMetadata() == nil && df.SplitOffsets() == nil && df.EqualityFieldIDs() == nil && df.SortOrderID() == nil
}

// encode returns entries as the manifest at path of snapshot snapID
// (added and deleted entries are stamped with it, as iceberg-go's
// writer does) and its manifest-list entry; ok is false when an entry
// is not one the codec encodes.
func (c *manifestCodec) encode(path string, snapID int64, entries []ice.ManifestEntry) (body []byte, mf ice.ManifestFile, ok bool) {
	var (
		rec                    bytes.Buffer
		stats                  = make([]partStat, len(c.fields))
		added, existing, gone  int32
		addedR, existR, goneR  int64
		minSeq                 = int64(-1)
		fileSeq                *int64
		snap                   int64
		str                    = func(s string) { writeLong(&rec, int64(len(s))); rec.WriteString(s) }
		some                   = func(v int64) { writeLong(&rec, 1); writeLong(&rec, v) }
		none                   = func() { writeLong(&rec, 0) }
		partitionOK, statusSet bool
	)
	for _, e := range entries {
		df := e.DataFile()
		seq := e.SequenceNum()
		if !plain(df) || seq < 0 {
			return nil, nil, false
		}
		switch e.Status() {
		case ice.EntryStatusADDED:
			snap, fileSeq = snapID, nil
			added++
			addedR += df.Count()
		case ice.EntryStatusEXISTING:
			snap, fileSeq = e.SnapshotID(), e.FileSequenceNum()
			existing++
			existR += df.Count()
		case ice.EntryStatusDELETED:
			snap, fileSeq = snapID, e.FileSequenceNum()
			gone++
			goneR += df.Count()
		default:
			return nil, nil, false
		}
		statusSet = true
		if e.Status() != ice.EntryStatusDELETED && (minSeq < 0 || seq < minSeq) {
			minSeq = seq
		}
		writeLong(&rec, int64(e.Status()))
		some(snap)
		some(seq)
		if fileSeq == nil {
			none()
		} else {
			some(*fileSeq)
		}
		writeLong(&rec, int64(df.ContentType()))
		str(df.FilePath())
		str(string(df.FileFormat()))
		writeLong(&rec, df.Count())
		writeLong(&rec, df.FileSizeBytes())
		// column_sizes, value_counts, null_value_counts,
		// nan_value_counts, lower_bounds, upper_bounds, key_metadata,
		// split_offsets, equality_ids, sort_order_id: all null.
		for range 10 {
			none()
		}
		pv := df.Partition()
		partitionOK = true
		for i, f := range c.fields {
			v, present := pv[f.id]
			st := &stats[i]
			switch x := v.(type) {
			case nil:
				if !present {
					partitionOK = false
				}
				none()
				st.null = true
			case string:
				if !f.str {
					partitionOK = false
					break
				}
				writeLong(&rec, 1)
				str(x)
				if !st.any || x < st.minS {
					st.minS = x
				}
				if !st.any || x > st.maxS {
					st.maxS = x
				}
				st.any = true
			case int32:
				if f.str {
					partitionOK = false
					break
				}
				some(int64(x))
				if !st.any || x < st.minI {
					st.minI = x
				}
				if !st.any || x > st.maxI {
					st.maxI = x
				}
				st.any = true
			default:
				partitionOK = false
			}
		}
		if !partitionOK || len(pv) != len(c.fields) {
			return nil, nil, false
		}
	}
	if !statusSet {
		return nil, nil, false
	}
	var out bytes.Buffer
	out.Grow(len(c.header) + rec.Len() + 48)
	out.Write(c.header)
	sync := uuid.New()
	out.Write(sync[:])
	writeLong(&out, int64(len(entries)))
	writeBytes(&out, rec.Bytes())
	out.Write(sync[:])
	sums := make([]ice.FieldSummary, len(c.fields))
	for i, f := range c.fields {
		sums[i] = stats[i].summary(f.str)
	}
	mf = ice.NewManifestFile(2, path, int64(out.Len()), int32(c.specID), snapID).
		SequenceNum(-1, minSeq).
		AddedFiles(added).ExistingFiles(existing).DeletedFiles(gone).
		AddedRows(addedR).ExistingRows(existR).DeletedRows(goneR).
		Partitions(sums).Build()
	return out.Bytes(), mf, true
}
