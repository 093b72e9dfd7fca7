package iceberg

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// maxBlock bounds one decompressed Avro block: manifests are small, and
// a corrupt length must not allocate the machine away.
const maxBlock = 256 << 20

// uncompressAvro rewrites an Avro object container file written with the
// deflate codec as the same file with the null codec: same schema,
// metadata, sync marker and records. iceberg-go always writes deflate,
// and Go's deflate ends each block with an empty stored block that
// icebird's inflater (hyparquet-compressors) mis-reads; the null codec is
// read by every Avro reader. Manifests are a few kilobytes, so the size
// does not matter.
func uncompressAvro(in []byte) ([]byte, error) {
	r := bufio.NewReader(bytes.NewReader(in))
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != "Obj\x01" {
		return nil, errors.New("avro: not an object container file")
	}
	meta := map[string][]byte{}
	var order []string
	for {
		n, err := binary.ReadVarint(r)
		if err != nil {
			return nil, fmt.Errorf("avro header: %w", err)
		}
		if n == 0 {
			break
		}
		if n < 0 {
			n = -n
			if _, err := binary.ReadVarint(r); err != nil { // block byte size
				return nil, fmt.Errorf("avro header: %w", err)
			}
		}
		for i := int64(0); i < n; i++ {
			k, err := readBytes(r)
			if err != nil {
				return nil, fmt.Errorf("avro header: %w", err)
			}
			v, err := readBytes(r)
			if err != nil {
				return nil, fmt.Errorf("avro header: %w", err)
			}
			if _, dup := meta[string(k)]; !dup {
				order = append(order, string(k))
			}
			meta[string(k)] = v
		}
	}
	var sync [16]byte
	if _, err := io.ReadFull(r, sync[:]); err != nil {
		return nil, fmt.Errorf("avro header: %w", err)
	}
	codec := string(meta["avro.codec"])
	if codec != "deflate" && codec != "null" && codec != "" {
		return nil, fmt.Errorf("avro: codec %q", codec)
	}
	meta["avro.codec"] = []byte("null")
	if !slices.Contains(order, "avro.codec") {
		order = append(order, "avro.codec")
	}

	var out bytes.Buffer
	out.Write(magic[:])
	writeLong(&out, int64(len(order)))
	for _, k := range order {
		writeBytes(&out, []byte(k))
		writeBytes(&out, meta[k])
	}
	writeLong(&out, 0)
	out.Write(sync[:])
	for {
		count, err := binary.ReadVarint(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("avro block: %w", err)
		}
		data, err := readBytes(r)
		if err != nil {
			return nil, fmt.Errorf("avro block: %w", err)
		}
		if codec == "deflate" {
			fr := flate.NewReader(bytes.NewReader(data))
			data, err = io.ReadAll(io.LimitReader(fr, maxBlock+1))
			fr.Close()
			if err != nil {
				return nil, fmt.Errorf("avro block: inflate: %w", err)
			}
			if len(data) > maxBlock {
				return nil, errors.New("avro block: too large")
			}
		}
		var s [16]byte
		if _, err := io.ReadFull(r, s[:]); err != nil || s != sync {
			return nil, errors.New("avro block: sync marker does not match")
		}
		writeLong(&out, count)
		writeBytes(&out, data)
		out.Write(sync[:])
	}
	return out.Bytes(), nil
}

func readBytes(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadVarint(r)
	if err != nil {
		return nil, err
	}
	if n < 0 || n > maxBlock {
		return nil, fmt.Errorf("length %d", n)
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	return b, err
}

func writeLong(w *bytes.Buffer, v int64) {
	var b [binary.MaxVarintLen64]byte
	w.Write(b[:binary.PutVarint(b[:], v)])
}

func writeBytes(w *bytes.Buffer, b []byte) {
	writeLong(w, int64(len(b)))
	w.Write(b)
}
