// Copyright servebench authors.
//
// The handler of failed BOOST_ASSERTs (boost_assert_handler.cc says what it does and why). Boost
// declares these only where assertions are compiled in; this header declares them in every
// build, so that a test can call them directly.

#ifndef SERVEBENCH_BOOST_ASSERT_HANDLER_H_
#define SERVEBENCH_BOOST_ASSERT_HANDLER_H_

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file, long line);
void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file,
                          long line);

}  // namespace boost

#endif  // SERVEBENCH_BOOST_ASSERT_HANDLER_H_
