-- Lua on Mica: tables, closures, string patterns, coroutines.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
for i = 1, 10 do t[#t + 1] = fib(i) end
print(table.concat(t, " "))
local words = {}
for w in ("the mica exokernel runs lua"):gmatch("%a+") do words[#words + 1] = w:upper() end
table.sort(words)
print(table.concat(words, ","))
local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end end)
print(co(), co(), co())
print(string.format("%.3f %d %s", math.pi, 7 // 2, tostring(nil)))
