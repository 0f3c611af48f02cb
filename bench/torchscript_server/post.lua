-- wrk script: POST the KServe v2 JSON body named by the BODY environment variable.
wrk.method = "POST"
local f = assert(io.open(os.getenv("BODY"), "r"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
