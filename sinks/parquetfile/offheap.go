package parquetfile

import "unsafe"

// offheap is a growing array of pointer-free elements, kept outside the
// Go heap once it is large: the row offsets and sort keys of an open
// writer (about 10 bytes a row for shipments) live from the first row to Close, and on
// the heap the collector's goal (twice the live heap at GOGC=100) made
// each of their bytes cost two of peak memory while a delivery's
// partitions were open (docs/BENCHMARKS.md, issue 15, sixth session).
//
// The invariant that keeps it safe: the elements are reached only
// through s, which no other value shares (at, set and slices of s are
// used and dropped within a call), and free, the one place the mapping
// goes, sets s to nil first; so an access after free is an index out of
// range, never a read of unmapped or reused memory
// (TestOffheapFreedIsEmpty, TestWriterFreesOffheap). The owner must free
// it (Writer.Close and Abort do, through dropRowSpool); the garbage
// collector does not.
type offheap[E uint16 | int32 | uint32] struct {
	s   []E
	mem []byte // the mapping s is in; nil while s is on the heap
}

// offheapFrom is the size in bytes from which the array moves to a
// mapping: below it a few system calls would cost more than the heap
// does, and small files (most of a Census backfill's) never map.
const offheapFrom = 64 << 10

func (o *offheap[E]) len() int { return len(o.s) }

func (o *offheap[E]) append(v E) {
	if len(o.s) == cap(o.s) {
		o.grow()
	}
	o.s = append(o.s, v) // within cap: no reallocation
}

// grow doubles the capacity, into a mapping from offheapFrom bytes on.
func (o *offheap[E]) grow() {
	var zero E
	n := max(2*cap(o.s), 1024)
	var mem []byte
	if bytes := n * int(unsafe.Sizeof(zero)); bytes >= offheapFrom {
		// On an error (out of address space) the array stays on the
		// heap, at the collector's price.
		mem, _ = mapAnon(bytes)
	}
	var s []E
	if mem != nil {
		s = unsafe.Slice((*E)(unsafe.Pointer(unsafe.SliceData(mem))), n)[:len(o.s)]
	} else {
		s = make([]E, len(o.s), n)
	}
	copy(s, o.s)
	old := o.mem
	o.s, o.mem = s, mem
	if old != nil {
		unmapAnon(old)
	}
}

// free drops the elements and gives the mapping back.
func (o *offheap[E]) free() {
	mem := o.mem
	o.s, o.mem = nil, nil
	if mem != nil {
		unmapAnon(mem)
	}
}

// mapped is the bytes of the mapping, for tests.
func (o *offheap[E]) mapped() int { return len(o.mem) }
