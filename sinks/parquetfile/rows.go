package parquetfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"unsafe"
)

// rowCodec writes rows of one Record type to a flat byte form and reads
// them back, so a writer can keep a partition's rows in a local file
// instead of in memory until it knows their order. It is built once per
// type from the struct's fields (offsets and kinds), so a column added to
// a Record type needs no code here; a field of a kind it does not know is
// an error at Create, not a silent loss (TestRowCodecRoundTrip fills every
// field of every Record type).
//
// The form, field after field in struct order: int32 and float32 4 bytes
// and int64, float64 8 bytes little-endian; a string (of a string or
// *string field) uvarint(length<<1) then its bytes, or, when it equals
// the same field's string in the row before, uvarint(length<<1 | 1) then
// uvarint(how far back its bytes start); a pointer one byte 0 (nil) or 1
// then the value; a []string uvarint 0 for nil, else count+1, then each
// string as uvarint length and bytes. The back-references drop the
// provenance columns (source, URI, sha256, sheet: the same in every row
// of a file) from the spool: 40% of a shipment row's bytes, which the
// spool writes, maps and reads back.
type rowCodec struct {
	fields []codecField
	// The last literal string of each field and where its bytes start
	// in the spool; a copy, because the row's memory is the caller's.
	prev    [][]byte
	prevOff []int64
}

// minBackRef is the shortest string worth a back-reference.
const minBackRef = 4

type codecField struct {
	off  uintptr
	kind fieldKind
}

type fieldKind uint8

const (
	kInt32 fieldKind = iota
	kInt64
	kFloat32
	kFloat64
	kString
	kStrings
	kPtr // pointer to one of the above scalar kinds; elem says which
	kPtrInt32
	kPtrInt64
	kPtrFloat32
	kPtrFloat64
	kPtrString
)

func scalarKind(t reflect.Type) (fieldKind, bool) {
	switch t.Kind() {
	case reflect.Int32:
		return kInt32, true
	case reflect.Int64:
		return kInt64, true
	case reflect.Float32:
		return kFloat32, true
	case reflect.Float64:
		return kFloat64, true
	case reflect.String:
		return kString, true
	}
	return 0, false
}

func newRowCodec(rt reflect.Type) (*rowCodec, error) {
	c := &rowCodec{}
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() || f.Tag.Get("parquet") == "-" {
			continue
		}
		var k fieldKind
		ok := true
		switch t := f.Type; {
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
			k = kStrings
		case t.Kind() == reflect.Pointer:
			var sk fieldKind
			sk, ok = scalarKind(t.Elem())
			k = kPtr + 1 + sk
		default:
			k, ok = scalarKind(t)
		}
		if !ok {
			return nil, fmt.Errorf("field %s of %s is a %s, which the row spool does not hold", f.Name, rt, f.Type)
		}
		c.fields = append(c.fields, codecField{off: f.Offset, kind: k})
	}
	c.prev = make([][]byte, len(c.fields))
	c.prevOff = make([]int64, len(c.fields))
	return c, nil
}

// append adds the row at p to b, which will be written at offset at of
// the spool, after every row appended before.
func (c *rowCodec) append(b []byte, p unsafe.Pointer, at int64) []byte {
	base := at - int64(len(b))
	for i, f := range c.fields {
		q := unsafe.Add(p, f.off)
		switch f.kind {
		case kInt32, kFloat32:
			b = binary.LittleEndian.AppendUint32(b, *(*uint32)(q))
		case kInt64, kFloat64:
			b = binary.LittleEndian.AppendUint64(b, *(*uint64)(q))
		case kString:
			b = c.appendField(b, i, base, *(*string)(q))
		case kStrings:
			s := *(*[]string)(q)
			if s == nil {
				b = append(b, 0)
				continue
			}
			b = binary.AppendUvarint(b, uint64(len(s))+1)
			for _, v := range s {
				b = appendString(b, v)
			}
		default: // pointers
			ptr := *(*unsafe.Pointer)(q)
			if ptr == nil {
				b = append(b, 0)
				continue
			}
			b = append(b, 1)
			switch f.kind {
			case kPtrInt32, kPtrFloat32:
				b = binary.LittleEndian.AppendUint32(b, *(*uint32)(ptr))
			case kPtrInt64, kPtrFloat64:
				b = binary.LittleEndian.AppendUint64(b, *(*uint64)(ptr))
			case kPtrString:
				b = c.appendField(b, i, base, *(*string)(ptr))
			}
		}
	}
	return b
}

// appendField adds string s of field i: a back-reference when it is the
// field's last literal, else the literal, remembered. base is the spool
// offset of b[0].
func (c *rowCodec) appendField(b []byte, i int, base int64, s string) []byte {
	pos := base + int64(len(b))
	if len(s) >= minBackRef && string(c.prev[i]) == s {
		b = binary.AppendUvarint(b, uint64(len(s))<<1|1)
		return binary.AppendUvarint(b, uint64(pos-c.prevOff[i]))
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1)
	if len(s) >= minBackRef {
		c.prev[i] = append(c.prev[i][:0], s...)
		c.prevOff[i] = base + int64(len(b))
	}
	return append(b, s...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorruptSpool = errors.New("row spool is corrupt")

// decoder reads rows back from data, the whole spool. Strings point into
// the spool's bytes (no copy), and the values pointer fields point to
// come from slabs, so a batch of rows costs a few allocations, not
// several per row. The bytes must not change while any row read from
// them is in use.
type decoder struct {
	c       *rowCodec
	data    []byte
	strs    []string
	u32     []uint32
	u64     []uint64
	slabLen int
}

func (d *decoder) string(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, errCorruptSpool
	}
	b = b[k:]
	if n == 0 {
		return "", b, nil
	}
	return unsafe.String(&b[0], int(n)), b[n:], nil
}

// field reads a string of a string or *string field: a literal, or a
// back-reference to bytes earlier in data. b is a suffix of data.
func (d *decoder) field(b []byte) (string, []byte, error) {
	pos := len(d.data) - len(b) // where b starts in data
	h, k := binary.Uvarint(b)
	if k <= 0 || len(b) > len(d.data) {
		return "", nil, errCorruptSpool
	}
	b = b[k:]
	n := h >> 1
	if h&1 == 0 {
		if uint64(len(b)) < n {
			return "", nil, errCorruptSpool
		}
		if n == 0 {
			return "", b, nil
		}
		return unsafe.String(&b[0], int(n)), b[n:], nil
	}
	back, k := binary.Uvarint(b)
	if k <= 0 || n == 0 || back == 0 || back > uint64(pos) || n > back {
		return "", nil, errCorruptSpool
	}
	ref := pos - int(back)
	return unsafe.String(&d.data[ref], int(n)), b[k:], nil
}

func (d *decoder) strSlot() *string {
	if len(d.strs) == 0 {
		d.strs = make([]string, d.slabLen)
	}
	p := &d.strs[0]
	d.strs = d.strs[1:]
	return p
}

func (d *decoder) u32Slot() *uint32 {
	if len(d.u32) == 0 {
		d.u32 = make([]uint32, d.slabLen)
	}
	p := &d.u32[0]
	d.u32 = d.u32[1:]
	return p
}

func (d *decoder) u64Slot() *uint64 {
	if len(d.u64) == 0 {
		d.u64 = make([]uint64, d.slabLen)
	}
	p := &d.u64[0]
	d.u64 = d.u64[1:]
	return p
}

// read fills the zeroed row at p from b, a suffix of d.data.
func (d *decoder) read(b []byte, p unsafe.Pointer) error {
	var err error
	for _, f := range d.c.fields {
		q := unsafe.Add(p, f.off)
		switch f.kind {
		case kInt32, kFloat32:
			if len(b) < 4 {
				return errCorruptSpool
			}
			*(*uint32)(q) = binary.LittleEndian.Uint32(b)
			b = b[4:]
		case kInt64, kFloat64:
			if len(b) < 8 {
				return errCorruptSpool
			}
			*(*uint64)(q) = binary.LittleEndian.Uint64(b)
			b = b[8:]
		case kString:
			if *(*string)(q), b, err = d.field(b); err != nil {
				return err
			}
		case kStrings:
			n, k := binary.Uvarint(b)
			// Each string takes at least a byte: a count beyond what is
			// left is corrupt, not an allocation of that size.
			if k <= 0 || n > math.MaxInt32 || n > 0 && n-1 > uint64(len(b)-k) {
				return errCorruptSpool
			}
			b = b[k:]
			if n == 0 {
				continue
			}
			s := make([]string, n-1)
			for i := range s {
				if s[i], b, err = d.string(b); err != nil {
					return err
				}
			}
			*(*[]string)(q) = s
		default:
			if len(b) < 1 {
				return errCorruptSpool
			}
			present := b[0]
			b = b[1:]
			if present == 0 {
				continue
			}
			switch f.kind {
			case kPtrInt32, kPtrFloat32:
				if len(b) < 4 {
					return errCorruptSpool
				}
				v := d.u32Slot()
				*v = binary.LittleEndian.Uint32(b)
				b = b[4:]
				*(*unsafe.Pointer)(q) = unsafe.Pointer(v)
			case kPtrInt64, kPtrFloat64:
				if len(b) < 8 {
					return errCorruptSpool
				}
				v := d.u64Slot()
				*v = binary.LittleEndian.Uint64(b)
				b = b[8:]
				*(*unsafe.Pointer)(q) = unsafe.Pointer(v)
			case kPtrString:
				v := d.strSlot()
				if *v, b, err = d.field(b); err != nil {
					return err
				}
				*(*unsafe.Pointer)(q) = unsafe.Pointer(v)
			}
		}
	}
	return nil
}
