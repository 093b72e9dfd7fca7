package parquetfile

import (
	"runtime"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// TestOffheapFreedIsEmpty: values survive the moves from the heap into a
// mapping and between mappings, and after free the array is empty, so a
// use after free is an index out of range, not a read of unmapped memory.
func TestOffheapFreedIsEmpty(t *testing.T) {
	var o offheap[int32]
	const n = 4 * offheapFrom / 4 // past the first mapping and a doubling
	for i := range n {
		o.append(int32(i * 3))
		if i == 100 && o.mapped() != 0 {
			t.Fatalf("%d elements mapped, want them on the heap", i+1)
		}
	}
	if o.mapped() == 0 {
		t.Fatalf("%d int32s still on the heap, want a mapping from %d bytes", n, offheapFrom)
	}
	runtime.GC() // the heap moves nothing, but the mapping must be intact
	for i := range n {
		if got := o.s[i]; got != int32(i*3) {
			t.Fatalf("element %d is %d, want %d", i, got, i*3)
		}
	}
	o.free()
	if o.len() != 0 || o.mapped() != 0 {
		t.Fatalf("after free: %d elements, %d bytes mapped", o.len(), o.mapped())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("reading element 0 after free did not panic")
			}
		}()
		_ = o.s[0]
	}()
	o.append(7) // usable again, from the heap
	if o.len() != 1 || o.s[0] != 7 {
		t.Errorf("after free and append: %v", o.s)
	}
	o.free()
}

// TestRowOffsetsPast4GiB: offsets keep their high bits across 4 GiB
// boundaries, one row crossing several at once included.
func TestRowOffsetsPast4GiB(t *testing.T) {
	want := []int64{0, 100, 1<<32 - 1, 1 << 32, 1<<32 + 5, 3<<32 + 9, 3<<32 + 10, 7 << 32}
	var o rowOffsets
	for _, off := range want {
		o.append(off)
	}
	for i, off := range want {
		if got := o.at(i); got != off {
			t.Errorf("row %d: offset %d, want %d", i, got, off)
		}
	}
	o.free()
	if o.low.len() != 0 || o.high != nil {
		t.Errorf("after free: %d offsets, high %v", o.low.len(), o.high)
	}
}

// TestWriterFreesOffheap: a writer's offsets and keys are mapped while
// its rows wait, and given back by Close and by Abort.
func TestWriterFreesOffheap(t *testing.T) {
	rows := shipments(offheapFrom/4 + 10) // past offheapFrom of offsets
	for _, close := range []bool{true, false} {
		w, err := Create[schema.ShipmentRecord](t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if w.offsets.low.mapped() == 0 || w.sorter.keysMapped() == 0 {
			t.Fatalf("%d rows: %d bytes of offsets and %d of keys mapped, want both mapped", len(rows), w.offsets.low.mapped(), w.sorter.keysMapped())
		}
		if close {
			if _, err := w.Close(); err != nil {
				t.Fatal(err)
			}
		} else {
			w.Abort()
		}
		if w.offsets.low.mapped() != 0 || w.sorter.keysMapped() != 0 || w.offsets.low.len() != 0 || w.sorter.keysLen() != 0 {
			t.Errorf("close %v: %d bytes of offsets and %d of keys still mapped", close, w.offsets.low.mapped(), w.sorter.keysMapped())
		}
	}
}
