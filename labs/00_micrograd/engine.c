/*
 * engine.c: lab 00's given code: the ops a learner calls (mg_add, mg_mul, ...),
 * each made by the core's forward and then handed YOUR backward function.
 *
 * What it is: the plug between micrograd.c and the core's Value (value.h).
 * value_add(a, b) makes the node (its data a->data + b->data, its prev {a, b},
 * its op "+") and stores the core's own backward in out->backward; we put
 * mg_add_backward there instead, so mg_backward(L) runs your local
 * derivatives, node by node. The composite ops (neg, sub, div) are built from
 * the small ones exactly as micrograd's engine.py builds them.
 * What it is not: anything you edit. The exercises are in micrograd.c.
 */
#include "micrograd.h"

#include "kit.h"   // KIT_CHECK

/* ---- the small ops: the core's forward, your backward --------------------- */

Value *mg_add(Value *a, Value *b)
{
    Value *out = value_add(a, b);        // Value(a.data + b.data, (a, b), '+')
    out->backward = mg_add_backward;     // out._backward = _backward  (lab00.4)
    return out;
}

Value *mg_mul(Value *a, Value *b)
{
    Value *out = value_mul(a, b);        // Value(a.data * b.data, (a, b), '*')
    out->backward = mg_mul_backward;     // lab00.5
    return out;
}

Value *mg_tanh(Value *a)
{
    Value *out = value_tanh(a);          // (e^2a - 1) / (e^2a + 1)
    out->backward = mg_tanh_backward;    // lab00.6
    return out;
}

Value *mg_exp(Value *a)
{
    Value *out = value_exp(a);
    out->backward = mg_exp_backward;     // lab00.9
    return out;
}

Value *mg_pow(Value *a, double k)
{
    Value *out = value_pow(a, k);        // out->exponent = k
    out->backward = mg_pow_backward;     // lab00.10
    return out;
}

/* ---- numbers as Values, and the ops built from the small ones --------------- */

Value *mg_const(Value *a, double k)
{
    KIT_CHECK(a != NULL, "mg_const: the Value is NULL. HINT: pass a Value of the graph you are building.");
    return value_const(a->pool, k);      // micrograd: other = Value(other)
}

Value *mg_add_const(Value *a, double k) { return mg_add(a, mg_const(a, k)); }
Value *mg_mul_const(Value *a, double k) { return mg_mul(a, mg_const(a, k)); }
Value *mg_neg(Value *a) { return mg_mul_const(a, -1.0); }              // -self = self * -1
Value *mg_sub(Value *a, Value *b) { return mg_add(a, mg_neg(b)); }     // self + (-other)
Value *mg_div(Value *a, Value *b) { return mg_mul(a, mg_pow(b, -1.0)); }   // self * other**-1

/* ---- the lecture's first function ------------------------------------------ */

double mg_f(double x)
{
    return 3.0 * (x * x) - 4.0 * x + 5.0;   // 3*x**2 - 4*x + 5, in the same order
}
