package panjiva

import (
	"fmt"
	"slices"
	"strings"
)

// field is a schema column a spreadsheet column can map to.
type field int

// Fields a header can map to; fieldWeightT and fieldFROB feed weight_kg
// and the FROB filter and are not columns of their own.
const (
	fieldShipmentDate field = iota
	fieldBillOfLading
	fieldShipper
	fieldConsignee
	fieldOrigin
	fieldDestination
	fieldPortOfLading
	fieldPortOfUnlading
	fieldHSCode
	fieldGoods
	fieldValueUSD
	fieldWeightKg
	fieldWeightT
	fieldTEU
	fieldFROB
	numFields
)

// fieldNames are the names config aliases map to.
var fieldNames = [numFields]string{
	"shipment_date", "bill_of_lading", "shipper", "consignee", "origin_country",
	"destination_country", "port_of_lading", "port_of_unlading", "hs_code",
	"goods_description", "value_usd", "weight_kg", "weight_t", "teu", "frob",
}

// FieldNames lists the names a configured alias may map a header to.
func FieldNames() []string { return slices.Clone(fieldNames[:]) }

func fieldByName(name string) (field, bool) {
	i := slices.Index(fieldNames[:], name)
	return field(i), i >= 0
}

// required are the columns without which a sheet cannot be read.
var required = []field{fieldShipmentDate, fieldValueUSD, fieldHSCode}

// builtinAliases are the headers seen in Panjiva-style exports (US imports
// and US exports) and close variants; headerKey makes them case and
// spacing insensitive.
var builtinAliases = map[field][]string{
	fieldShipmentDate:   {"Arrival Date", "Shipment Date", "Date", "Arrival", "Actual Arrival Date", "Estimated Arrival Date", "Ship Date", "Departure Date", "Shipment_Date"},
	fieldBillOfLading:   {"Bill of Lading Number", "Bill of Lading", "Bill of Lading No", "BOL", "BOL Number", "B/L", "B/L Number", "BL Number"},
	fieldShipper:        {"Shipper", "Shipper Name", "Exporter"},
	fieldConsignee:      {"Consignee", "Consignee Name", "Importer"},
	fieldOrigin:         {"Shipment Origin", "Country of Origin", "Origin Country", "Origin"},
	fieldDestination:    {"Shipment Destination", "Destination Country", "Country of Destination", "Destination"},
	fieldPortOfLading:   {"Port of Lading", "Port of Loading", "Foreign Port of Lading", "Loading Port"},
	fieldPortOfUnlading: {"Port of Unlading", "Port of Discharge", "US Port of Unlading", "Port of Unloading", "Discharge Port"},
	fieldHSCode:         {"HS Code", "HS Codes", "HS Code(s)", "HS", "HTS Code", "HTS", "Commodity Code", "Harmonized Code"},
	fieldGoods:          {"Goods Shipped", "Goods Description", "Product Description", "Description", "Commodity Description"},
	fieldValueUSD:       {"Value of Goods (USD)", "Value of Goods", "Value (USD)", "Value USD", "Shipment Value (USD)", "Declared Value (USD)", "Total Value (USD)", "Value"},
	fieldWeightKg:       {"Weight (kg)", "Weight kg", "Weight (kgs)", "Gross Weight (kg)", "Weight", "Gross Weight"},
	fieldWeightT:        {"Weight (t)", "Weight (MT)", "Weight (tonnes)", "Weight (metric tons)", "Weight t"},
	fieldTEU:            {"Volume (TEU)", "TEU", "TEUs", "Volume TEU"},
	fieldFROB:           {"FROB", "Is FROB", "FROB Indicator"},
}

// headerKey is the lookup form of a header: lower case without spaces,
// underscores, hyphens or dots ("Value of Goods (USD)" → "valueofgoods(usd)").
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', '_', '-', '.':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// aliasTable maps header keys to fields.
type aliasTable map[string]field

// newAliasTable builds the table from the built-in aliases plus extra
// (header text → field name), which win over built-ins.
func newAliasTable(extra map[string]string) (aliasTable, error) {
	t := aliasTable{}
	for f, names := range builtinAliases {
		for _, n := range names {
			t[headerKey(n)] = f
		}
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, h := range keys {
		f, ok := fieldByName(extra[h])
		if !ok {
			return nil, fmt.Errorf("alias %q: unknown field %q (one of %s)", h, extra[h], strings.Join(fieldNames[:], ", "))
		}
		t[headerKey(h)] = f
	}
	return t, nil
}

// header is a sheet's recognised header row.
type header struct {
	row     int
	col     [numFields]int // column index of each field, -1 when absent
	names   []string       // every header cell's text, by column
	unknown []string       // header texts that map to no field
}

// matchHeader reports whether a row is a header: at least three different
// fields recognised. Title and filter rows above the header have one or
// two text cells and do not qualify.
func (t aliasTable) matchHeader(row int, cells []cell) (*header, bool) {
	h := &header{row: row, names: make([]string, len(cells))}
	for i := range h.col {
		h.col[i] = -1
	}
	n := 0
	for i, c := range cells {
		if c.kind == kindEmpty {
			continue
		}
		text := strings.TrimSpace(string(c.v))
		h.names[i] = text
		if text == "" {
			continue
		}
		f, ok := t[headerKey(text)]
		if !ok {
			h.unknown = append(h.unknown, text)
			continue
		}
		if h.col[f] >= 0 { // a second column for the same field: keep the first
			h.unknown = append(h.unknown, text)
			continue
		}
		h.col[f] = i
		n++
	}
	return h, n >= 3
}

// missing returns the required fields h lacks.
func (h *header) missing() []string {
	var out []string
	for _, f := range required {
		if h.col[f] < 0 {
			out = append(out, fieldNames[f])
		}
	}
	return out
}

func (h *header) found() string {
	var out []string
	for _, n := range h.names {
		if n != "" {
			out = append(out, fmt.Sprintf("%q", n))
		}
	}
	return strings.Join(out, ", ")
}
