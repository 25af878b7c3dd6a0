-- Organization pages for bench/site.sh, driven by wrk: a random organization
-- of the N synthetic records at every request.
-- MODE: html | turtle (orgdir, /org/<id>) or describe (oxigraph serve-read-only,
-- DESCRIBE <iri> at /query, Turtle). RECORDS: N. BASE: the dataset base IRI.
local mode = os.getenv("MODE") or "html"
local n = tonumber(os.getenv("RECORDS") or "100000")
local base = os.getenv("BASE") or "https://synth.example.org/"

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end
function init(args)
  math.randomseed(seed or os.time())
end
function request()
  local id = "org-" .. math.random(0, n - 1)
  if mode == "describe" then
    local q = "DESCRIBE <" .. base .. "org/" .. id .. ">"
    return wrk.format("GET", "/query?query=" .. urlencode(q), { ["Accept"] = "text/turtle" })
  end
  local accept = mode == "turtle" and "text/turtle" or "text/html"
  return wrk.format("GET", "/org/" .. id, { ["Accept"] = accept })
end
