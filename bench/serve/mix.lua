-- The query mix of bench/serve.sh for wrk: four queries in turn, by GET.
-- ENDPOINT: the path of the SPARQL endpoint (/sparql for orgdir, /query for
-- `oxigraph serve-read-only`). BASE: the dataset base IRI. DISTINCT=1 appends a
-- random comment to every query: the same work, but never a cache hit.
local endpoint = os.getenv("ENDPOINT") or "/sparql"
local base = os.getenv("BASE") or "https://synth.example.org/"
local distinct = os.getenv("DISTINCT") == "1"
local n = tonumber(os.getenv("RECORDS") or "100000")

local prefix = "PREFIX schema: <http://schema.org/> "
local queries = {
  prefix .. "SELECT (COUNT(*) AS ?n) WHERE { ?o a schema:Organization }",
  prefix .. "SELECT ?o ?name WHERE { ?o schema:name ?name FILTER(REGEX(?name, \"Rare Books Guild 1[0-9]\")) } LIMIT 20",
  prefix .. "SELECT ?member WHERE { ?member schema:memberOf <" .. base .. "org/org-42> }",
  prefix .. "SELECT ?o WHERE { ?o a schema:Organization FILTER NOT EXISTS { ?o schema:url ?u } } LIMIT 100",
}

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local counter = 0
function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end
function init(args)
  math.randomseed(seed or os.time())
end
function request()
  counter = counter + 1
  local q = queries[(counter % #queries) + 1]
  if distinct then
    q = q .. " # " .. math.random(1, 1000000000)
  end
  return wrk.format("GET", endpoint .. "?query=" .. urlencode(q), { ["Accept"] = "application/sparql-results+json" })
end
