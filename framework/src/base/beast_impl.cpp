// Beast compiled once for the library (BOOST_BEAST_SEPARATE_COMPILATION is set
// on the project's own targets only: no public header includes Beast).
#include <boost/beast/src.hpp>
