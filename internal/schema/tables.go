package schema

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Table describes one queryable table of the lake: where its files live,
// which Record type fixes their columns, the Hive-style path keys above
// them and how rows are laid out inside a file. The Parquet writer
// (sinks/parquetfile) and the DDL generator (internal/schema/ddl) both read
// it, so the files and the schema engines are told about cannot drift.
type Table struct {
	// Name is the table's name in engines, e.g. "trade_flows" or
	// "quarantine_shipments".
	Name string
	// Dataset is the dataset the rows belong to (DatasetTradeFlows, ...);
	// history and quarantine tables name their own.
	Dataset string
	// Location is the table's directory relative to the lake root.
	Location string
	// Doc is one line for a person.
	Doc string
	// Record is a zero value of the Record type whose parquet tags are
	// the file schema.
	Record any
	// PathKeys are the key=value directories between Location and the
	// files, outermost first.
	PathKeys []PathKey
	// SortBy are the columns rows are sorted by inside each row group,
	// ascending, nulls first: the columns queries usually filter on that
	// are not constant within a file.
	SortBy []string
	// Bloom are the columns that get a split-block bloom filter: the ones
	// people look single values up by.
	Bloom []string
	// Docs says what each column of Record holds.
	Docs map[string]string
}

// PathKey is one Hive-style directory level (`name=value`).
type PathKey struct {
	Name string
	// Column is true when the key equals the file column of the same name
	// (source, flow, basis); false for keys that are no column (year,
	// month).
	Column bool
	// Values lists every value a string key can take; Min, Max and Digits
	// bound an integer key (month=04 has Digits 2).
	Values      []string
	Min, Max    int
	Digits      int
	Description string
}

// IsInt reports whether the key holds an integer (year, month).
func (k PathKey) IsInt() bool { return len(k.Values) == 0 }

// RecordType is the Go type of the table's Record.
func (t *Table) RecordType() reflect.Type { return reflect.TypeOf(t.Record) }

var (
	sources     = []string{"census", "gacc", "panjiva"}
	flowSources = []string{"census", "gacc"}
	flows       = []string{"export", "import"}
	bases       = []string{"cn_imports", "us_exports"}
)

func yearKey(min int) PathKey {
	return PathKey{Name: "year", Min: min, Max: 2099, Digits: 4, Description: "year of the reporting month"}
}

func monthKey(min int) PathKey {
	return PathKey{Name: "month", Min: min, Max: 12, Digits: 2, Description: "month of the reporting month, 01-12"}
}

var provenanceDocs = map[string]string{
	"source":        "source that produced the row: census, gacc, panjiva",
	"release_id":    "release (vintage) the row came from",
	"source_uri":    "URL or inbox key of the raw input",
	"source_sha256": "sha256 of the raw input",
	"ingested_at":   "when tradepipe read the input (UTC, microseconds)",
}

// docs adds the provenance columns' docs to m; rec says which of them the
// Record has.
func docs(rec any, m map[string]string) map[string]string {
	out := map[string]string{}
	s := parquet.SchemaOf(rec)
	for k, v := range provenanceDocs {
		if _, ok := s.Lookup(k); ok {
			out[k] = v
		}
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func tradeFlowsTable(name, location, doc string) Table {
	return Table{
		Name: name, Dataset: DatasetTradeFlows, Location: location, Doc: doc,
		Record: TradeFlowRecord{},
		PathKeys: []PathKey{
			{Name: "source", Column: true, Values: flowSources, Description: "census or gacc"},
			{Name: "flow", Column: true, Values: flows, Description: "export or import, as the reporter sees it"},
			yearKey(1990), monthKey(1),
		},
		// A file holds one source, flow, reporter and month: partner and
		// commodity are what is left to filter on. No bloom filter on
		// hs_code here: it is nearly unique within a file and every
		// month lists nearly the same codes, so a filter would cost 9% of
		// the file and seldom skip one, while the sort and the page index
		// already find a code's page (docs/BENCHMARKS.md).
		SortBy: []string{"partner", "hs_code"},
		Bloom:  []string{"partner"},
		Docs: docs(TradeFlowRecord{}, map[string]string{
			"period":                "first day of the reporting month",
			"reporter":              "ISO 3166-1 alpha-2 of the reporting country",
			"partner":               "ISO 3166-1 alpha-2 of the partner country",
			"flow":                  "export or import, as the reporter sees it",
			"hs_code":               "HS commodity code, digits only, leading zeros kept",
			"hs_level":              "number of digits of hs_code: 2, 4, 6, 8 or 10",
			"description":           "commodity description as published",
			"value_usd":             "value in US dollars; US Census imports: general imports (GEN_VAL_MO)",
			"consumption_value_usd": "US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise",
			"quantity":              "quantity in quantity_unit",
			"quantity_unit":         "unit of quantity",
			"valuation":             "FAS (US exports), CIF (China imports), ...",
			"covers_months":         "months the figure covers, ending at period (2 for a combined January-February release)",
			"customs_regime":        "customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise",
			"registered_place":      "registered place of the importer/exporter (GACC 注册地) when published; null otherwise",
		}),
	}
}

func tradeTotalsTable(name, location, doc string) Table {
	return Table{
		Name: name, Dataset: DatasetTradeTotals, Location: location, Doc: doc,
		Record: TradeTotalRecord{},
		PathKeys: []PathKey{
			{Name: "source", Column: true, Values: flowSources, Description: "census or gacc"},
			{Name: "flow", Column: true, Values: flows, Description: "export or import, as the reporter sees it"},
			yearKey(1990), monthKey(1),
		},
		SortBy: []string{"partner"},
		Bloom:  []string{"partner"},
		Docs: docs(TradeTotalRecord{}, map[string]string{
			"period":        "first day of the reporting month",
			"reporter":      "ISO 3166-1 alpha-2 of the reporting country",
			"partner":       "ISO 3166-1 alpha-2 of the partner country",
			"flow":          "export or import, as the reporter sees it",
			"value_usd":     "published total in US dollars",
			"ytd_value_usd": "published year-to-date total in US dollars",
			"covers_months": "months the figure covers, ending at period",
		}),
	}
}

func quarantineTable(dataset string) Table {
	// The keys mirror the data partition the rows were meant for
	// (QuarantinePartition); rows whose partition cannot be told land in
	// flow=unknown (datasets with a flow) and year=0000/month=00.
	keys := []PathKey{{Name: "source", Column: true, Values: sources, Description: "census, gacc or panjiva"}}
	if dataset == DatasetTradeFlows || dataset == DatasetTradeTotals {
		keys = append(keys, PathKey{Name: "flow", Values: append(slices.Clone(flows), "unknown"),
			Description: "flow of the partition the rows were meant for, unknown when it cannot be told"})
	}
	keys = append(keys, yearKey(0), monthKey(0))
	return Table{
		Name: DatasetQuarantine + "_" + dataset, Dataset: DatasetQuarantine,
		Location: DatasetQuarantine + "/" + dataset,
		Doc:      "rows rejected from " + dataset + ", with their raw cells and the reason",
		Record:   QuarantineRecord{},
		PathKeys: keys,
		// No sort: rows stay in input order (sheet, row), which is how
		// people read a quarantine, and no sort buffer is held for it.
		Docs: docs(QuarantineRecord{}, map[string]string{
			"period":      "reporting month of the row, when it could be read",
			"reason_code": "machine-readable reason: bad_value, bad_hs_code, bad_date, ...",
			"reason":      "the reason, for a person",
			"field":       "the offending column, when one is to blame",
			"sheet":       "spreadsheet sheet of the row",
			"row_number":  "1-based row or record number in the input",
			"raw_cells":   "the cells of the row as text",
		}),
	}
}

// tables is built once; Tables and TableNamed hand out copies.
var tables = []Table{
	tradeFlowsTable(DatasetTradeFlows, DatasetTradeFlows,
		"one row per reporter x partner x flow x commodity x month, from official statistics"),
	tradeFlowsTable(DatasetTradeFlows+"_history", DatasetTradeFlows+"_history",
		"every published vintage of trade_flows, one file per release"),
	tradeTotalsTable(DatasetTradeTotals, DatasetTradeTotals,
		"the published total of a reporter with one partner for a month"),
	tradeTotalsTable(DatasetTradeTotals+"_history", DatasetTradeTotals+"_history",
		"every published vintage of trade_totals, one file per release"),
	{
		Name: DatasetShipments, Dataset: DatasetShipments, Location: DatasetShipments,
		Doc:    "one row per shipment record (bill of lading) from a Panjiva-style export",
		Record: ShipmentRecord{},
		PathKeys: []PathKey{
			{Name: "source", Column: true, Values: []string{"panjiva"}, Description: "panjiva"},
			yearKey(1990), monthKey(1),
		},
		// Commodity first (the usual filter, and long runs of equal
		// values for the dictionary), then origin and day.
		SortBy: []string{"hs_code", "origin_country", "shipment_date"},
		Bloom:  []string{"hs_code", "bill_of_lading"},
		Docs: docs(ShipmentRecord{}, map[string]string{
			"shipment_date":       "arrival or shipment date",
			"period":              "first day of the shipment month",
			"bill_of_lading":      "bill of lading number",
			"shipper":             "shipper as written in the export",
			"consignee":           "consignee as written in the export",
			"origin_country":      "ISO 3166-1 alpha-2 of the origin",
			"destination_country": "ISO 3166-1 alpha-2 of the destination",
			"port_of_lading":      "port of lading",
			"port_of_unlading":    "port of unlading",
			"hs_code":             "first HS code of the record, digits",
			"hs_codes":            "every HS code the record lists",
			"goods_description":   "goods description",
			"value_usd":           "estimated value in US dollars",
			"weight_kg":           "weight in kilograms",
			"teu":                 "twenty-foot equivalent units",
			"sheet":               "spreadsheet sheet of the row",
			"source_row":          "1-based row in the sheet",
			"source":              "panjiva",
		}),
	},
	quarantineTable(DatasetTradeFlows),
	quarantineTable(DatasetTradeTotals),
	quarantineTable(DatasetShipments),
	{
		Name: DatasetCompliance, Dataset: DatasetCompliance, Location: DatasetCompliance,
		Doc:    "Phase One compliance metrics: one row per basis x month x category",
		Record: ComplianceRecord{},
		PathKeys: []PathKey{
			{Name: "basis", Column: true, Values: bases, Description: "us_exports or cn_imports"},
			yearKey(2017),
		},
		SortBy: []string{"period", "category"},
		Docs: map[string]string{
			"basis":             "us_exports or cn_imports",
			"period":            "the month; year-to-date figures run from January of its year",
			"category":          "manufactured_goods, agriculture, energy, all_covered, uncovered, ...",
			"value_usd":         "covered purchases in the month",
			"covers_months":     "months value_usd covers, ending at period (2 for a combined January-February figure)",
			"ytd_usd":           "January through this month",
			"baseline_2017_usd": "whole-year 2017 value for the category and basis",
			"target_usd":        "baseline plus the increment for the year",
			"target_ytd_usd":    "target prorated through this month",
			"pct_of_target_ytd": "100 x ytd_usd / target_ytd_usd",
			"shortfall_ytd_usd": "target_ytd_usd - ytd_usd",
			"ytd_2017_usd":      "the same months of 2017, from the lake",
			"proration":         "linear or seasonal",
			"baseline_source":   "lake, piie_original, piie_revised",
		},
	},
}

// Tables returns every table of the lake, in a fixed order.
func Tables() []Table { return slices.Clone(tables) }

// TableNamed returns the table called name.
func TableNamed(name string) (Table, error) {
	for _, t := range tables {
		if t.Name == name {
			return t, nil
		}
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.Name
	}
	return Table{}, fmt.Errorf("unknown table %q (known: %s)", name, strings.Join(names, ", "))
}

// TableFor returns the tables whose Record type is that of rec, the main
// table (named as its dataset, e.g. trade_flows rather than its history)
// first when there is one.
func TableFor(rec any) []Table {
	rt := reflect.TypeOf(rec)
	var out []Table
	for _, t := range tables {
		if t.RecordType() == rt {
			if t.Name == t.Dataset {
				out = append([]Table{t}, out...)
			} else {
				out = append(out, t)
			}
		}
	}
	return out
}
